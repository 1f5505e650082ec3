/** Maps pipeline progress events to the 0–100 that Phosor's status endpoint reports. */
import type { JobStage } from '../../src/shared/phosor-schemas';
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

/**
 * The stage and denoising step a stored progress value means: the inverse of `progressOf` for a job of
 * `totalSteps` steps, so the stream can name both without a column per detail. `step` counts the
 * steps finished (0 before the first; `totalSteps` from decoding on).
 */
export function stageOf(
  status: 'queued' | 'processing' | 'completed' | 'failed',
  progress: number,
  totalSteps: number,
): { stage: JobStage; step: number } {
  if (status === 'completed') return { stage: 'completed', step: totalSteps };
  if (status === 'queued') return { stage: 'queued', step: 0 };
  if (status === 'failed') return { stage: 'failed', step: 0 };
  if (progress < 10) return { stage: 'loading', step: 0 };
  if (progress >= 99) return { stage: 'storing', step: totalSteps };
  if (progress >= 88) return { stage: 'encoding_video', step: totalSteps };
  if (progress >= 85) return { stage: 'decoding', step: totalSteps };
  // The largest step s with 10 + floor(75 s / totalSteps) <= progress; 0 is the prompt encoding.
  const step = Math.min(totalSteps, Math.floor(((progress - 10 + 1) * totalSteps - 1) / 75));
  return step === 0 ? { stage: 'encoding_prompt', step: 0 } : { stage: 'denoising', step };
}
