/** Options the page reads from its query string, e.g. `?device=wasm&encoder=ffmpeg.wasm&model=phosphene-tiny`. */
import type { RunOn } from './state/form.svelte';
import type { EncoderChoice } from './worker/generate-client';

/**
 * Page options; `encoder` forces an MP4 encoder (the e2e tests force the ffmpeg.wasm fallback); `debug`
 * exposes `window.phosphene` and has the worker report where each graph's nodes run.
 */
export interface PageOptions {
  device: RunOn | null;
  encoder: EncoderChoice;
  model: string | null;
  debug: boolean;
}

/** Reads the page options from a query string. */
export function readPageOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const device = q.get('device');
  const encoder = q.get('encoder');
  return {
    device: device === 'auto' || device === 'webgpu' || device === 'wasm' || device === 'server' ? device : null,
    encoder: encoder === 'webcodecs' || encoder === 'ffmpeg.wasm' ? encoder : 'auto',
    model: q.get('model'),
    debug: q.has('debug'),
  };
}
