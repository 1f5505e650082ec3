/** Maps pipeline progress events to the 0–100 that Phosor's status endpoint reports. */
import type { ProgressEvent } from '../../src/shared/protocol';

/**
 * Loading the package takes 0–10, denoising 10–85 by step, decoding 85, encoding frames 88–98; storing
 * is 99 and only completion says 100, so a client that sees 100 can fetch the result.
 */
export function progressOf(event: ProgressEvent | { type: 'store' }): number | undefined {
  switch (event.type) {
    case 'load':
      return event.totalBytes > 0 ? Math.floor((10 * event.loadedBytes) / event.totalBytes) : 0;
    case 'encode-prompt':
      return 10;
    case 'step':
      return 10 + Math.floor((75 * event.step) / event.totalSteps);
    case 'decode':
      return 85;
    case 'encode-video':
      return 88 + Math.floor((10 * event.frame) / event.totalFrames);
    case 'store':
      return 99;
    case 'done':
      return undefined;
  }
}
