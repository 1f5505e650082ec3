/**
 * The type of `window.phosphene`, the playground's `?debug` handle (src/ui/debug.ts), as the specs
 * see it inside `page.evaluate`. Declared here because src/ui is typechecked with its own tsconfig.
 */
import type { EnvironmentReport } from '../../src/workers/environment';
import type { FramesResult, GenerateRequest, JobTimings, ProgressEvent } from '../../src/shared/protocol';

/** A clip from the debug handle; the MP4 is base64-encoded. */
export interface DebugClip {
  mp4Base64: string;
  encoder: string;
  device: string;
  elapsedMs: number;
  encodeMs: number;
  timings: JobTimings;
}

declare global {
  interface Window {
    phosphene?: {
      frames(request: GenerateRequest, onProgress?: (event: ProgressEvent) => void): Promise<FramesResult>;
      generate(
        request: GenerateRequest,
        encoder?: 'auto' | 'webcodecs' | 'ffmpeg.wasm',
        onProgress?: (event: ProgressEvent) => void,
        previews?: boolean,
      ): Promise<DebugClip>;
      environment(): Promise<EnvironmentReport>;
      /** Destroys the generate worker's WebGPU device (a forced device loss); false when it has none yet. */
      loseGpuDevice(): Promise<boolean>;
      /** The playground; the benchmarks use its worker client (e.g. `app.client.unload()`). */
      app: { client: { unload(): Promise<void> } };
    };
  }
}
