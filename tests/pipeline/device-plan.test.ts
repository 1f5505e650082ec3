/** The device plan: a real adapter gets WebGPU, a software one never does, big jobs go to the server. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  largestBufferBytes,
  planDevice,
  SLOW_JOB_SECONDS,
  type DeviceCapabilities,
} from '../../src/pipeline/device-plan';
import type { MeasuredJob } from '../../src/pipeline/time-estimate';
import { parseManifest, type ModelManifest } from '../../src/pipeline/model-package/manifest';

const v1 = parseManifest(JSON.parse(readFileSync('models/phosphene-v1/model.json', 'utf8')));
const SMALL = { width: 256, height: 144, num_frames: 17 };
const gpu = (over: Partial<DeviceCapabilities['webgpu']> = {}): DeviceCapabilities => ({
  webgpu: {
    available: true,
    isFallbackAdapter: false,
    features: [],
    maxStorageBufferBindingSize: 128 * 2 ** 20,
    ...over,
  },
  wasmThreads: 4,
  memoryBudgetMb: 4096,
});

describe('planDevice', () => {
  it('runs on a real WebGPU adapter with the default variant and no reasons', () => {
    expect(planDevice(v1, SMALL, gpu())).toEqual({
      where: 'webgpu',
      variant: v1.default_variant,
      estimatedBytes: expect.any(Number),
      estimatedSeconds: null, // no job measured on this device yet
      reasons: [],
    });
  });

  it('never picks a software adapter, and says why', () => {
    const plan = planDevice(v1, SMALL, gpu({ isFallbackAdapter: true }));
    expect(plan.where).toBe('wasm');
    expect(plan.reasons).toEqual(['this GPU is a software adapter (slower than the CPU path): not used']);
    expect(planDevice(v1, SMALL, gpu({ available: false })).reasons[0]).toBe('this browser has no WebGPU adapter');
  });

  it('leaves WebGPU when one buffer would pass the adapter’s binding limit', () => {
    const tiny = gpu({ maxStorageBufferBindingSize: largestBufferBytes(v1, SMALL) - 1 });
    const plan = planDevice(v1, SMALL, tiny);
    expect(plan.where).toBe('wasm');
    expect(plan.reasons[0]).toMatch(/largest buffer .* over this adapter's limit/);
  });

  it('sends a job this page cannot hold to the server when there is one, and keeps forced choices', () => {
    const small: DeviceCapabilities = { ...gpu(), memoryBudgetMb: 100 };
    const plan = planDevice(v1, { width: 854, height: 480, num_frames: 81 }, small, 'auto', true);
    expect(plan.where).toBe('server');
    expect(plan.reasons.at(-1)).toMatch(/needs about \d+ MB, more than the 100 MB/);
    expect(plan.estimatedBytes).toBeGreaterThan(100 * 2 ** 20);
    expect(planDevice(v1, SMALL, small, 'wasm', true).where).toBe('wasm');
    expect(planDevice(v1, SMALL, small, 'auto', false).where).toBe('webgpu');
  });

  it('sends a job to the server, when there is one, rather than run it on the CPU', () => {
    for (const caps of [gpu({ isFallbackAdapter: true }), gpu({ available: false })]) {
      const plan = planDevice(v1, SMALL, caps, 'auto', true);
      expect(plan.where).toBe('server');
      expect(plan.reasons.at(-1)).toBe('no usable GPU here: running on the server');
      expect(planDevice(v1, SMALL, caps, 'wasm', true).where).toBe('wasm');
      expect(planDevice(v1, SMALL, caps, 'auto', false).where).toBe('wasm');
    }
    expect(planDevice(v1, SMALL, gpu(), 'auto', true).where).toBe('webgpu');
  });

  it('checks a variant’s required features: without shader-f16 an f16 default gives way to one that runs', () => {
    const f16: ModelManifest = {
      ...v1,
      default_variant: 'f16',
      variants: { ...v1.variants, f16: { ...v1.variants[v1.default_variant]!, requires: ['shader-f16'] } },
    };
    expect(planDevice(f16, SMALL, gpu({ features: ['shader-f16'] })).variant).toBe('f16');
    const without = planDevice(f16, SMALL, gpu());
    expect(without.variant).not.toBe('f16');
    expect(without.reasons).toEqual([
      `variant f16 needs shader-f16, which this device lacks: using ${without.variant}`,
    ]);
  });

  it('estimates the time on the provider it picks from that provider’s measured job, and none for the other', () => {
    const wasmRun: MeasuredJob = {
      device: 'wasm',
      width: 256,
      height: 144,
      numFrames: 17,
      guidance: 1,
      secondsPerStep: 0.5,
      promptSeconds: 0.1,
      gridSeconds: 0,
      pixelSeconds: 0.4,
    };
    const job = { ...SMALL, num_inference_steps: 4, guidance_scale: 1 };
    expect(planDevice(v1, job, gpu({ available: false }), 'auto', false, [wasmRun]).estimatedSeconds).toBeCloseTo(
      2.5,
      9,
    );
    expect(planDevice(v1, job, gpu(), 'auto', false, [wasmRun]).estimatedSeconds).toBeNull(); // WebGPU: not measured
    expect(planDevice(v1, job, gpu(), 'wasm', false, [wasmRun]).estimatedSeconds).toBeCloseTo(2.5, 9);
    // The latest of a provider's measurements counts.
    const later = { ...wasmRun, secondsPerStep: 1 };
    expect(planDevice(v1, job, gpu(), 'wasm', false, [wasmRun, later]).estimatedSeconds).toBeCloseTo(4.5, 9);
  });

  it('sends a job this device would take over five minutes on to the server, when there is one', () => {
    const slowGpu: MeasuredJob = {
      device: 'webgpu',
      width: 256,
      height: 144,
      numFrames: 17,
      guidance: 1,
      secondsPerStep: 20,
      promptSeconds: 1,
      gridSeconds: 0,
      pixelSeconds: 10,
    };
    const long = { width: 854, height: 480, num_frames: 81, num_inference_steps: 4, guidance_scale: 1 };
    const plan = planDevice(v1, long, gpu(), 'auto', true, [slowGpu]);
    expect(plan.where).toBe('server');
    expect(plan.reasons.at(-1)).toMatch(/^this device would take about \d+ min \(from its last clip\)$/);
    const here = planDevice(v1, long, gpu(), 'auto', false, [slowGpu]);
    expect(here.where).toBe('webgpu'); // no server: it runs here, and says how long
    expect(here.estimatedSeconds).toBeGreaterThan(SLOW_JOB_SECONDS);
    expect(planDevice(v1, SMALL, gpu(), 'auto', true, [slowGpu]).where).toBe('webgpu'); // 91 s: stays
  });
});
