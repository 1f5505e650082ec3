import { describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../../src/shared/protocol';
import {
  describeSpeed,
  loadDeviceSpeed,
  measuredJobs,
  measuredSpeed,
  saveDeviceSpeed,
  StepClock,
} from '../../../src/ui/state/device-speed';

const step = (n: number, total = 4) => ({ type: 'step' as const, step: n, totalSteps: total, timestep: 0 });
const result: GenerateResult = {
  jobId: 'job',
  mp4: new ArrayBuffer(0),
  mimeType: 'video/mp4',
  fps: 16,
  seed: 1,
  encoder: 'webcodecs',
  placement: [],
  device: 'webgpu',
  width: 256,
  height: 144,
  numFrames: 17,
  elapsedMs: 2800,
  timings: {
    loadMs: 300,
    compileMs: 200,
    graphs: {
      text_encoder: { ms: 40, runs: 1 },
      denoiser: { ms: 1000, runs: 4 },
      vae_decoder_trunk: { ms: 300, runs: 5 },
      vae_decoder: { ms: 200, runs: 5 },
    },
    previewMs: 20,
    encodeMs: 80,
  },
};
const run = { model: 'phosphene-v1', guidance: 1 };

/** A Storage stand-in over a Map (the real localStorage is the browser's; e2e covers it). */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('StepClock', () => {
  it('times the steps after the first (which also compiles), ignoring other stages', () => {
    const clock = new StepClock();
    clock.event({ type: 'encode-prompt' }, 0);
    clock.event(step(1), 5000); // a slow first step: compilation
    expect(clock.secondsPerStep()).toBeNull();
    clock.event(step(2), 5400);
    clock.event({ type: 'decode' }, 5500);
    clock.event(step(3), 5800);
    clock.event(step(4), 6200);
    expect(clock.secondsPerStep()).toBeCloseTo(0.4, 6);
  });

  it('starts again when the steps start again at 1 (another denoising pass in the same job)', () => {
    const clock = new StepClock();
    clock.event(step(1), 0);
    clock.event(step(2), 1000);
    clock.event(step(1), 2000);
    clock.event(step(2), 2500);
    expect(clock.secondsPerStep()).toBeCloseTo(0.5, 6);
  });
});

describe('measured speed', () => {
  it('is kept and read back, with the stage times the estimate scales, and described in words', () => {
    const clock = new StepClock();
    [1, 2, 3, 4].forEach((n) => clock.event(step(n), n * 250));
    const speed = measuredSpeed(clock, result, 4, run, new Date('2026-12-06T18:00:00Z'))!;
    expect(speed).toMatchObject({ device: 'webgpu', model: 'phosphene-v1', secondsPerStep: 0.25, totalSeconds: 2.8 });
    expect(speed.promptSeconds).toBeCloseTo(0.04, 9);
    expect(speed.gridSeconds).toBeCloseTo(0.3, 9); // the decoder's trunk
    expect(speed.pixelSeconds).toBeCloseTo(0.3, 9); // its last stage 0.2 + encode 0.08 + previews 0.02
    const storage = memoryStorage();
    saveDeviceSpeed(speed, storage);
    expect(loadDeviceSpeed(storage)).toEqual(speed);
    expect(describeSpeed(speed, 'en-GB')).toBe(
      '0.25 s per denoising step at 256×144, 17 frames, on WebGPU; the clip took 2.8 s (6 Dec 2026)',
    );
  });

  it('keeps the latest per model and provider: the settings show the latest, the plan gets its model’s', () => {
    const clock = new StepClock();
    [1, 2].forEach((n) => clock.event(step(n), n * 500));
    const storage = memoryStorage();
    const at = (h: number) => new Date(Date.UTC(2026, 11, 6, h));
    saveDeviceSpeed(measuredSpeed(clock, result, 2, run, at(1))!, storage);
    saveDeviceSpeed(measuredSpeed(clock, { ...result, device: 'wasm' }, 2, run, at(2))!, storage);
    saveDeviceSpeed(measuredSpeed(clock, result, 2, { model: 'tiny', guidance: 3 }, at(3))!, storage);
    saveDeviceSpeed(measuredSpeed(clock, result, 2, run, at(4))!, storage); // replaces the first
    expect(measuredJobs('phosphene-v1', storage).map((s) => [s.device, s.at])).toEqual([
      ['wasm', at(2).toISOString()],
      ['webgpu', at(4).toISOString()],
    ]);
    expect(measuredJobs('tiny', storage)).toHaveLength(1);
    expect(loadDeviceSpeed(storage)?.at).toBe(at(4).toISOString());
  });

  it('is not claimed from one step, and a stored record that is not one is ignored', () => {
    const clock = new StepClock();
    clock.event(step(1, 1), 100);
    expect(measuredSpeed(clock, result, 1, run)).toBeNull();
    const storage = memoryStorage();
    expect(loadDeviceSpeed(storage)).toBeNull();
    storage.map.set('phosphene.device-speeds', '{"a":{"device":"webgpu","secondsPerStep":-1}}');
    expect(loadDeviceSpeed(storage)).toBeNull();
    expect(measuredJobs('phosphene-v1', storage)).toEqual([]);
    storage.map.set('phosphene.device-speeds', 'not json');
    expect(loadDeviceSpeed(storage)).toBeNull();
  });
});
