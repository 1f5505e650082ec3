/** What a worker's environment offers a job, for the UI and for tests. */
import { canEncodeWithWebCodecs } from './encode-webcodecs';

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
