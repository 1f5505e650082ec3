/**
 * The device's measured speed: how long a denoising step took in this browser's local clips, the latest per
 * model and provider, kept in localStorage so the settings can show it and the device plan can estimate
 * the next job's time from it (src/pipeline/time-estimate.ts). Measured from the worker's progress events
 * and its stage timings, so it is what the user's device did, not a synthetic benchmark.
 */
import { z } from '../../shared/zod-mini';
import { stageSeconds, type MeasuredJob } from '../../pipeline/time-estimate';
import type { GenerateResult, ProgressEvent } from '../../shared/protocol';

const KEY = 'phosphene.device-speeds';

const speedSchema = z.strictObject({
  device: z.enum(['webgpu', 'wasm']),
  /** The model's id in the catalog. */
  model: z.string().check(z.minLength(1)),
  guidance: z.number().check(z.positive()),
  width: z.number().check(z.int(), z.positive()),
  height: z.number().check(z.int(), z.positive()),
  numFrames: z.number().check(z.int(), z.positive()),
  steps: z.number().check(z.int(), z.gte(2)),
  /** Seconds per denoising step after the first (the first also compiles the graph). */
  secondsPerStep: z.number().check(z.positive()),
  /** The whole clip, model load included. */
  totalSeconds: z.number().check(z.positive()),
  /** The text encoder's runs. */
  promptSeconds: z.number().check(z.nonnegative()),
  /** The decoder's trunk, on the latent grid. */
  gridSeconds: z.number().check(z.nonnegative()),
  /** The decoder's last stage, MP4 encode and previews: what grows with the pixels. */
  pixelSeconds: z.number().check(z.nonnegative()),
  /** ISO date of the measurement. */
  at: z.string().check(z.iso.datetime()),
});

/** One local clip's measured speed. */
export type DeviceSpeed = z.infer<typeof speedSchema>;

/**
 * Times the denoising steps of one job from its progress events: the mean time between consecutive
 * steps, which leaves out the first step (its graph compiles then) and prompt encoding.
 */
export class StepClock {
  #first: { step: number; at: number } | null = null;
  #last: { step: number; at: number } | null = null;

  /** Feeds one progress event, seen at `now` (ms). */
  event(event: ProgressEvent, now: number): void {
    if (event.type !== 'step') return;
    if (this.#first === null || event.step <= this.#first.step) this.#first = { step: event.step, at: now };
    this.#last = { step: event.step, at: now };
  }

  /** Seconds per warm step, once two steps have been seen; `null` before. */
  secondsPerStep(): number | null {
    if (!this.#first || !this.#last || this.#last.step <= this.#first.step) return null;
    return (this.#last.at - this.#first.at) / 1000 / (this.#last.step - this.#first.step);
  }
}

/** The speed of a finished local job of `model` at `guidance`, or `null` when too few steps were timed to say. */
export function measuredSpeed(
  clock: StepClock,
  result: GenerateResult,
  steps: number,
  run: { model: string; guidance: number },
  at = new Date(),
): DeviceSpeed | null {
  const secondsPerStep = clock.secondsPerStep();
  if (secondsPerStep === null || !(secondsPerStep > 0) || steps < 2 || result.device === 'cpu') return null;
  return {
    device: result.device,
    model: run.model,
    guidance: run.guidance,
    width: result.width,
    height: result.height,
    numFrames: result.numFrames,
    steps,
    secondsPerStep,
    totalSeconds: Math.max(0.001, result.elapsedMs / 1000),
    ...stageSeconds(result.timings),
    at: at.toISOString(),
  };
}

const speedsSchema = z.record(z.string(), z.unknown());

/** Every kept measurement that still reads as one (others are ignored), oldest first. */
function loadAll(storage?: Pick<Storage, 'getItem'>): DeviceSpeed[] {
  try {
    const all = speedsSchema.safeParse(JSON.parse((storage ?? globalThis.localStorage).getItem(KEY) ?? 'null'));
    if (!all.success) return [];
    const speeds = Object.values(all.data).flatMap((v) => {
      const parsed = speedSchema.safeParse(v);
      return parsed.success ? [parsed.data] : [];
    });
    return speeds.sort((a, b) => a.at.localeCompare(b.at));
  } catch {
    return [];
  }
}

/** Keeps `speed` as the latest of its model and provider (storage full or blocked: the figure is simply lost). */
export function saveDeviceSpeed(speed: DeviceSpeed, storage?: Pick<Storage, 'getItem' | 'setItem'>): void {
  try {
    const store = storage ?? globalThis.localStorage;
    const kept = Object.fromEntries(loadAll(store).map((s) => [`${s.model}|${s.device}`, s]));
    kept[`${speed.model}|${speed.device}`] = speedSchema.parse(speed);
    store.setItem(KEY, JSON.stringify(kept));
  } catch {
    // Nothing is lost but a figure for the settings panel and the time estimate.
  }
}

/** The latest measurement of any model, or `null` when there is none. */
export function loadDeviceSpeed(storage?: Pick<Storage, 'getItem'>): DeviceSpeed | null {
  return loadAll(storage).at(-1) ?? null;
}

/** This device's measurements of `model` (one per provider), for the device plan's time estimate. */
export function measuredJobs(model: string, storage?: Pick<Storage, 'getItem'>): (DeviceSpeed & MeasuredJob)[] {
  return loadAll(storage).filter((s) => s.model === model);
}

/** E.g. "0.42 s per denoising step at 256×144, 17 frames, on WebGPU; the clip took 2.8 s (6 Dec 2026)". */
export function describeSpeed(speed: DeviceSpeed, locale?: string): string {
  const where = { webgpu: 'WebGPU', wasm: 'the CPU (WASM)' }[speed.device];
  const day = new Date(speed.at).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  return (
    `${speed.secondsPerStep.toFixed(2)} s per denoising step at ${speed.width}×${speed.height}, ` +
    `${speed.numFrames} frames, on ${where}; the clip took ${speed.totalSeconds.toFixed(1)} s (${day})`
  );
}
