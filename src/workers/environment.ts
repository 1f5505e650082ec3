/** What a worker's environment offers a job, for the UI and for tests. */
import { canEncodeWithWebCodecs } from './video/encode-webcodecs';
import type { DeviceCapabilities } from '../pipeline/device-plan';

/** WebGPU adapter and WebCodecs support as seen from inside a worker. */
export interface EnvironmentReport {
  webgpu: { available: boolean; isFallbackAdapter: boolean; vendor: string; architecture: string };
  webcodecsH264: boolean;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

/** The slice of WebGPU this probe uses (TypeScript's lib has no WebGPU types). */
interface GpuProbe {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string } } | null>;
}

/** Probes the current worker. */
export async function describeEnvironment(): Promise<EnvironmentReport> {
  const gpu = (navigator as { gpu?: GpuProbe }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  return {
    webgpu: {
      available: adapter !== null,
      isFallbackAdapter: adapter?.info?.isFallbackAdapter ?? false,
      vendor: adapter?.info?.vendor ?? '',
      architecture: adapter?.info?.architecture ?? '',
    },
    webcodecsH264: await canEncodeWithWebCodecs({ width: 256, height: 144 }, 16),
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

/** The slice of a WebGPU adapter the device plan reads. */
interface PlanAdapter {
  features?: Iterable<string>;
  limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number };
  info?: { isFallbackAdapter?: boolean };
}

/** What the device plan needs to know about this worker's device (`src/pipeline/device-plan.ts`). */
export async function probeCapabilities(): Promise<DeviceCapabilities> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<PlanAdapter | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const binding = adapter?.limits?.maxStorageBufferBindingSize ?? 128 * 2 ** 20;
  // ORT uses up to 4 threads, and only with cross-origin isolation (SharedArrayBuffer).
  const threads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  // deviceMemory is rounded and capped at 8 GB by the browser; plan with half of it.
  const deviceGb = (navigator as { deviceMemory?: number }).deviceMemory ?? 4;
  return {
    webgpu: {
      available: adapter !== null,
      isFallbackAdapter: adapter?.info?.isFallbackAdapter ?? false,
      features: adapter?.features ? [...adapter.features] : [],
      maxStorageBufferBindingSize: Math.min(binding, adapter?.limits?.maxBufferSize ?? binding),
    },
    wasmThreads: threads,
    memoryBudgetMb: Math.round(deviceGb * 1024 * 0.5),
  };
}
