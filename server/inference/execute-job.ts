/**
 * The inference half of a job, with no database: read its image and LoRA, generate frames into the MP4
 * encoder as they decode. A worker process runs this for the supervisor; tests run it in-process with a replaced `generate`.
 */
import { LoraError } from '../../src/shared/errors';
import type { NodeGenerate } from '../models/node-generate';
import type { openMp4Node } from '../video/encode-mp4-node';
import { generateMp4 } from '../video/generate-mp4';
import { loadJobImage, JobImageError, type ImageFiles } from '../worker/job-image';
import { loadJobLora } from '../worker/job-lora';
import { progressOf } from '../worker/progress';
import { InferenceFailedError } from './errors';
import { enlargePreview, type PreviewImage } from '../../src/pipeline/preview';
import { encodePng } from '../images/png-encode';
import type { JobPreview } from '../jobs/previews';
import type { InferenceFailure, InferenceRequest } from './protocol';

/** What executing needs besides the request. */
export interface ExecuteDeps {
  /** Uploaded images and LoRA files; without it, jobs that name one fail (refunded). */
  files?: ImageFiles;
  generate: NodeGenerate;
  /** Opens the MP4 writer the frames go to as they decode; `openMp4Node` unless a test replaces it. */
  encode?: typeof openMp4Node;
}

/** Progress (0–99), previews and cancellation for one execution. */
export interface ExecuteOptions {
  onProgress(progress: number): void;
  /** After each denoising step, the clip so far as a small PNG (models with `latent.preview_rgb`). */
  onPreview?(preview: JobPreview): void;
  signal: AbortSignal;
}

/** The preview as a PNG, enlarged so its long side is at least 128 px. */
function previewPng(image: PreviewImage): JobPreview {
  const big = enlargePreview(image);
  return { step: image.step, totalSteps: image.totalSteps, png: encodePng(big.rgba, big.width, big.height) };
}

/** Runs `request` to MP4 bytes; a failure with a known cause throws `InferenceFailedError` with its code. */
export async function executeJob(
  deps: ExecuteDeps,
  request: InferenceRequest,
  { onProgress, onPreview, signal }: ExecuteOptions,
): Promise<Uint8Array> {
  const report = (event: Parameters<typeof progressOf>[0]) => {
    const value = progressOf(event);
    if (value !== undefined) onProgress(value);
  };
  try {
    // Before loading the model: a bad image fails the job in milliseconds, not after the load.
    const conditioning = request.imageKey === null ? undefined : await loadJobImage(deps.files, request.imageKey);
    const lora =
      request.loraId === null ? undefined : await loadJobLora(deps.files, request.loraId, request.loraScale ?? 1);
    signal.throwIfAborted();
    const { mp4 } = await generateMp4(
      deps.generate,
      {
        modelDir: request.modelDir,
        params: request.params,
        conditioning,
        lora,
        loraName: request.loraId ?? undefined,
        onProgress: report,
        onPreview: onPreview && ((image) => onPreview(previewPng(image))),
        signal,
      },
      {
        fps: request.params.frames_per_second,
        signal,
        onFrame: (frame, totalFrames) => report({ type: 'encode-video', frame, totalFrames }),
        open: deps.encode,
      },
    );
    signal.throwIfAborted();
    return mp4;
  } catch (error) {
    if (signal.aborted) throw error;
    throw new InferenceFailedError(classify(error));
  }
}

/** The job's failure code and owner-facing message for an error thrown while executing. */
export function classify(error: unknown): InferenceFailure {
  if (error instanceof InferenceFailedError) return error.failure;
  if (error instanceof JobImageError)
    return { code: 'invalid_image', message: `${error.message} Its credits were refunded.` };
  if (error instanceof LoraError)
    return { code: 'invalid_lora', message: `${error.message} Its credits were refunded.` };
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: 'generation_failed', message: `Generation failed (${detail}); its credits were refunded.` };
}
