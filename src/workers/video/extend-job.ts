/**
 * A browser extend job: the clip's MP4 is decoded in the worker, `extendClip` continues it from its last
 * frame on the loaded pipeline, and the whole clip is encoded again with the source's recipe plus this step.
 */
import { MAX_EDIT_BYTES } from '../../shared/edit-ops';
import { InvalidParamsError } from '../../shared/errors';
import type { GenerateRequest, GenerateResult } from '../../shared/protocol';
import { extendClip } from '../../pipeline/extend';
import type { EncoderChoice } from './encode-options';
import { readRecipe, recipeOf } from '../../pipeline/mp4-recipe';
import { packageVersion } from '../../pipeline/package-version';
import { startTimings } from '../job-timings';
import { encodeJob, onPipeline, type JobContext } from './video-job';

/** Extends `mp4` by `request.params.num_frames` frames made with the request's prompt, seed and model. */
export async function runExtendJob(
  mp4: Uint8Array,
  request: GenerateRequest,
  encoder: EncoderChoice,
  context: JobContext,
): Promise<GenerateResult> {
  const started = performance.now();
  const timings = startTimings();
  if (request.image || request.last_image)
    throw new InvalidParamsError('An extension starts from the clip’s last frame: send no image with it.', 'image');
  // Lazy, as for edits: the demuxer is code a plain generation never needs.
  const { decodeMp4 } = await import('./decode-mp4');
  const { frames: clip, fps } = await decodeMp4(mp4);
  // The joined clip is held whole before encoding: bound it as an edit's frames are bounded.
  const joinedBytes = (clip.numFrames + request.params.num_frames - 1) * clip.width * clip.height * 4;
  if (joinedBytes > MAX_EDIT_BYTES)
    throw new InvalidParamsError(
      `${clip.numFrames} + ${request.params.num_frames - 1} frames at ${clip.width}×${clip.height} are too many to hold in the browser: extend by fewer frames, or a smaller clip.`,
      'num_frames',
    );
  return onPipeline(request, context, async (pipeline) => {
    const result = await extendClip(pipeline, clip, request.params, {
      signal: context.signal,
      ...(context.onProgress && { onProgress: context.onProgress }),
      ...(context.onPreview && { onPreview: context.onPreview }), // timed by the job's options only in a generation
      ...(request.lora && { lora: request.lora }),
    });
    // The source's recipe plus this step; a clip without one (not ours) gets the continuation's own.
    const step = { op: 'extend' as const, params: request.params };
    const source = readRecipe(mp4);
    const recipe = source
      ? { ...source, edits: [...(source.edits ?? []), step] }
      : recipeOf(pipeline.manifest.id, request.params, {
          mode: 'image-to-video',
          variant: pipeline.variant,
          model_version: packageVersion(pipeline.manifest, pipeline.variant),
        });
    return encodeJob(request, result, fps, recipe, encoder, context, started, timings);
  });
}
