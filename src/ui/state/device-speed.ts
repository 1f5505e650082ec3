/**
 * The device's measured speed: how long a denoising step took in this browser's last local clip, kept in
 * localStorage so the settings can show it and the next job can estimate its time. Measured from the
 * worker's own progress events, so it is what the user's device did, not a synthetic benchmark.
 */
import { z } from 'zod';
import type { GenerateResult, ProgressEvent } from '../../shared/protocol';

const KEY = 'phosphene.device-speed';

const speedSchema = z
  .object({
    device: z.enum(['webgpu', 'wasm', 'cpu']),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    numFrames: z.number().int().positive(),
    steps: z.number().int().min(2),
    /** Seconds per denoising step after the first (the first also compiles the graph). */
    secondsPerStep: z.number().positive().finite(),
    /** The whole clip, model load included. */
    totalSeconds: z.number().positive().finite(),
    /** ISO date of the measurement. */
    at: z.string().datetime(),
  })
  .strict();

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

/** The speed of a finished local job, or `null` when too few steps were timed to say. */
export function measuredSpeed(
  clock: StepClock,
  result: GenerateResult,
  steps: number,
  at = new Date(),
): DeviceSpeed | null {
  const secondsPerStep = clock.secondsPerStep();
  if (secondsPerStep === null || !(secondsPerStep > 0) || steps < 2) return null;
  return {
    device: result.device,
    width: result.width,
    height: result.height,
    numFrames: result.numFrames,
    steps,
    secondsPerStep,
    totalSeconds: Math.max(0.001, result.elapsedMs / 1000),
    at: at.toISOString(),
  };
}

/** Keeps the latest measurement (storage full or blocked: the speed is simply not shown). */
export function saveDeviceSpeed(speed: DeviceSpeed, storage?: Pick<Storage, 'setItem'>): void {
  try {
    (storage ?? globalThis.localStorage).setItem(KEY, JSON.stringify(speedSchema.parse(speed)));
  } catch {
    // Nothing is lost but a figure for the settings panel.
  }
}

/** The latest measurement, or `null` when there is none or what is stored is not one (it is ignored). */
export function loadDeviceSpeed(storage?: Pick<Storage, 'getItem'>): DeviceSpeed | null {
  try {
    const parsed = speedSchema.safeParse(JSON.parse((storage ?? globalThis.localStorage).getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** E.g. "0.42 s per denoising step at 256×144, 17 frames, on WebGPU; the clip took 2.8 s (6 Dec 2026)". */
export function describeSpeed(speed: DeviceSpeed, locale?: string): string {
  const where = { webgpu: 'WebGPU', wasm: 'the CPU (WASM)', cpu: 'the CPU' }[speed.device];
  const day = new Date(speed.at).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  return (
    `${speed.secondsPerStep.toFixed(2)} s per denoising step at ${speed.width}×${speed.height}, ` +
    `${speed.numFrames} frames, on ${where}; the clip took ${speed.totalSeconds.toFixed(1)} s (${day})`
  );
}
