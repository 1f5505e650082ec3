/**
 * Where a job should run, decided before it starts from what the device can do and what the job needs:
 * WebGPU on a real adapter; else, when the user has a server (an API key), the server; else WASM on the
 * CPU. A job this device cannot hold goes to the server whenever there is one.
 * Pure: the worker probes the device (`DeviceCapabilities`), the UI shows `reasons` and routes to the
 * server when `where` says so.
 */
import type { DeviceRequest } from '../shared/protocol';
import { estimateJobMemory } from './memory-estimate';
import type { ModelManifest } from './model-package/manifest';
import { estimateJobSeconds, latentTokens, type MeasuredJob } from './time-estimate';

/** What the probe found. */
export interface DeviceCapabilities {
  webgpu: {
    available: boolean;
    /** A software adapter (SwiftShader): slower than WASM, never chosen. */
    isFallbackAdapter: boolean;
    features: string[];
    /** `maxStorageBufferBindingSize` (128 MiB by default). */
    maxStorageBufferBindingSize: number;
  };
  /** WASM threads ONNX Runtime may use (1 without cross-origin isolation). */
  wasmThreads: number;
  /** Memory this page may plan with, in MB (`navigator.deviceMemory` × 1024 × a share, or a guess). */
  memoryBudgetMb: number;
}

/** A job's size and steps. */
export interface PlannedJob {
  width: number;
  height: number;
  num_frames: number;
  /** Steps and guidance, for the time estimate (Phosor's defaults, 4 and 1, when absent). */
  num_inference_steps?: number;
  guidance_scale?: number;
}

/** The decision and why. */
export interface DevicePlan {
  where: 'webgpu' | 'wasm' | 'server';
  variant: string;
  /** The planned peak memory of the job, in bytes. */
  estimatedBytes: number;
  /**
   * Seconds the job would take here, load aside, scaled from a job this device ran with this model; null
   * when it has run none on the chosen provider yet (and for the server).
   */
  estimatedSeconds: number | null;
  /** Each reason a better choice was not taken, in words for the UI. */
  reasons: string[];
}

const MB = 2 ** 20;

/** The variant to use: the manifest's default when the device has every feature it requires, else the first that fits. */
function pickVariant(m: ModelManifest, features: readonly string[], reasons: string[]): string | undefined {
  const usable = (name: string) => (m.variants[name]?.requires ?? []).every((f) => features.includes(f));
  if (usable(m.default_variant)) return m.default_variant;
  const other = Object.keys(m.variants).find(usable);
  const missing = (m.variants[m.default_variant]?.requires ?? []).filter((f) => !features.includes(f));
  if (other)
    reasons.push(`variant ${m.default_variant} needs ${missing.join(', ')}, which this device lacks: using ${other}`);
  return other;
}

/**
 * The largest single buffer the job's denoiser works on: the attention scores of one head over every
 * latent token pair, float32 (what a naive WebGPU attention kernel binds as one storage buffer).
 */
export function largestBufferBytes(m: ModelManifest, job: PlannedJob): number {
  const tokens = latentTokens(m, job);
  return tokens * tokens * 4;
}

/** Over this, a job this device would run is sent to the server when there is one. */
export const SLOW_JOB_SECONDS = 300;

/**
 * Plans `job` on the device; `request` is the user's choice (`auto` lets the plan decide); `measured`: jobs
 * this device ran with this model (per provider), for the time estimate.
 */
export function planDevice(
  m: ModelManifest,
  job: PlannedJob,
  caps: DeviceCapabilities,
  request: DeviceRequest = 'auto',
  serverAvailable = false,
  measured: readonly MeasuredJob[] = [],
): DevicePlan {
  const reasons: string[] = [];
  const estimatedMb = estimateJobMemory(m, job);
  const estimatedBytes = estimatedMb * MB;
  const gpu = caps.webgpu;
  let gpuUsable = gpu.available && !gpu.isFallbackAdapter;
  if (!gpu.available) reasons.push('this browser has no WebGPU adapter');
  else if (gpu.isFallbackAdapter) reasons.push('this GPU is a software adapter (slower than the CPU path): not used');
  const buffer = largestBufferBytes(m, job);
  if (gpuUsable && buffer > gpu.maxStorageBufferBindingSize) {
    gpuUsable = false;
    reasons.push(
      `the job's largest buffer (${Math.ceil(buffer / MB)} MiB) is over this adapter's limit of ${Math.floor(gpu.maxStorageBufferBindingSize / MB)} MiB`,
    );
  }
  const fitsHere = estimatedMb <= caps.memoryBudgetMb;
  if (!fitsHere)
    reasons.push(`the job needs about ${estimatedMb} MB, more than the ${caps.memoryBudgetMb} MB this page can use`);
  const features = gpuUsable ? gpu.features : [];
  const variant = pickVariant(m, features, reasons) ?? m.default_variant;
  const timed = { num_inference_steps: 4, guidance_scale: 1, ...job };
  const secondsOn = (where: 'webgpu' | 'wasm') => {
    const run = [...measured].reverse().find((j) => j.device === where);
    return run ? estimateJobSeconds(m, timed, run) : null;
  };
  const local = (where: 'webgpu' | 'wasm'): DevicePlan => ({
    where,
    variant,
    estimatedBytes,
    estimatedSeconds: secondsOn(where),
    reasons,
  });
  const server = (): DevicePlan => ({ where: 'server', variant, estimatedBytes, estimatedSeconds: null, reasons });
  if (request === 'webgpu' || request === 'wasm') return local(request);
  if (!fitsHere && serverAvailable) return server();
  // Without a real GPU the page would run on the CPU through WASM, which the server's native runtime beats.
  if (!gpuUsable && serverAvailable) {
    reasons.push('no usable GPU here: running on the server');
    return server();
  }
  if (caps.wasmThreads < 2 && !gpuUsable) reasons.push('WASM runs single-threaded here (no cross-origin isolation)');
  const plan = local(gpuUsable ? 'webgpu' : 'wasm');
  if (serverAvailable && plan.estimatedSeconds !== null && plan.estimatedSeconds > SLOW_JOB_SECONDS) {
    reasons.push(`this device would take about ${Math.round(plan.estimatedSeconds / 60)} min (from its last clip)`);
    return server();
  }
  return plan;
}
