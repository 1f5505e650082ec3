/**
 * A small handle for tests and the console (`?debug`): runs the worker's frames-only and generate
 * methods directly, so Playwright can compare providers and parse MP4s without going through the form.
 */
import type { FramesResult, GenerateRequest, JobTimings, ProgressEvent } from '../shared/protocol';
import type { Playground } from './state/playground.svelte';
import type { EncoderChoice } from './worker/generate-client';

/** A generated clip as plain data that `page.evaluate` can return; the MP4 is base64-encoded. */
export interface DebugClip {
  mp4Base64: string;
  encoder: string;
  device: string;
  elapsedMs: number;
  /**
   * From the first `encode-video` event to `done`: the encoder's share of the job. With a chunked decoder
   * (frames are encoded as they decode) it includes decoding after the first chunk; an unchunked one (the
   * random package) decodes first, so this is the encoder alone.
   */
  encodeMs: number;
  /** The worker's own figures: load, each graph inside ONNX Runtime, previews, encoder. */
  timings: JobTimings;
}

/** What `window.phosphene` offers. */
export interface DebugHandle {
  app: Playground;
  frames(request: GenerateRequest, onProgress?: (event: ProgressEvent) => void): Promise<FramesResult>;
  /** `previews`: ask for the live previews too (the playground does), so their cost is in the job. */
  generate(
    request: GenerateRequest,
    encoder?: EncoderChoice,
    onProgress?: (event: ProgressEvent) => void,
    previews?: boolean,
  ): Promise<DebugClip>;
  environment(): ReturnType<Playground['client']['environment']>;
  /** Destroys the generate worker's WebGPU device (a forced device loss); false when it has none yet. */
  loseGpuDevice(): Promise<boolean>;
}

declare global {
  interface Window {
    phosphene?: DebugHandle;
  }
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Installs `window.phosphene`. */
export function exposeDebugHandle(app: Playground): void {
  window.phosphene = {
    app,
    frames: (request, onProgress) => app.client.frames(request, onProgress ? { onProgress } : {}),
    generate: async (request, encoder = 'auto', onProgress, previews = false) => {
      let encodeStart = 0;
      let encodeEnd = 0;
      const result = await app.client.generate(request, {
        encoder,
        ...(previews && { onPreview: () => undefined }),
        onProgress: (event) => {
          onProgress?.(event);
          if (event.type === 'encode-video' && encodeStart === 0) encodeStart = performance.now();
          if (event.type === 'done') encodeEnd = performance.now();
        },
      });
      return {
        mp4Base64: base64(new Uint8Array(result.mp4)),
        encoder: result.encoder,
        device: result.device,
        elapsedMs: result.elapsedMs,
        encodeMs: encodeEnd - encodeStart,
        timings: result.timings,
      };
    },
    environment: () => app.client.environment(),
    loseGpuDevice: () => app.client.loseGpuDevice(),
  };
}
