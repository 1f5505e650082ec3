/**
 * A small handle for tests and the console (`?debug`): runs the worker's frames-only and generate
 * methods directly, so Playwright can compare providers and parse MP4s without going through the form.
 */
import type { FramesResult, GenerateRequest } from '../shared/protocol';
import type { Playground } from './state/playground.svelte';
import type { EncoderChoice } from './worker/generate-client';

/** What `window.phosphene` offers. */
export interface DebugHandle {
  app: Playground;
  frames(request: GenerateRequest): Promise<FramesResult>;
  generate(
    request: GenerateRequest,
    encoder?: EncoderChoice,
  ): Promise<{ mp4: Uint8Array; encoder: string; device: string; elapsedMs: number }>;
  environment(): ReturnType<Playground['client']['environment']>;
}

declare global {
  interface Window {
    phosphene?: DebugHandle;
  }
}

/** Installs `window.phosphene`. */
export function exposeDebugHandle(app: Playground): void {
  window.phosphene = {
    app,
    frames: (request) => app.client.frames(request),
    generate: async (request, encoder = 'auto') => {
      const result = await app.client.generate(request, { encoder });
      return {
        mp4: new Uint8Array(result.mp4),
        encoder: result.encoder,
        device: result.device,
        elapsedMs: result.elapsedMs,
      };
    },
    environment: () => app.client.environment(),
  };
}
