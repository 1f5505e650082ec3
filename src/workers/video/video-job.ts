/**
 * A browser video job from request to MP4: load (or reuse) the pipeline, run text- or image-to-video, and
 * encode each chunk of frames as it decodes (so the clip's raw frames are never all in memory).
 * The generate worker delegates here; it keeps one loaded pipeline between jobs (the pipeline's shared
 * cache), because loading and compiling the graphs costs more than a short job, and releases it after
 * five idle minutes or on `unloadPipelines`.
 */
import { JobAbortedError } from '../../shared/errors';
import { recordStage, startTimings, timed } from '../job-timings';
import {
  modeForImages,
  type FrameChunk,
  type FramesResult,
  type GenerateRequest,
  type GenerateResult,
  type JobTimings,
  type ProgressEvent,
  type StreamedResult,
} from '../../shared/protocol';
import { placementRequested } from '../../shared/worker-name';
import { createWebBackend } from '../ort-web';
import type { OrtBackend } from '../../pipeline/backend/types';
import { loadModelPackage } from '../../pipeline/model-package/load';
import { packageSource } from '../package-store';
import { imageToVideo, streamImageToVideo } from '../../pipeline/image-to-video';
import { streamTextToVideo, textToVideo, type TextToVideoOptions } from '../../pipeline/text-to-video';
import type { PreviewImage } from '../../pipeline/preview';
import { recipeOf, writeRecipe, type Recipe } from '../../pipeline/mp4-recipe';
import { packageVersion } from '../../pipeline/package-version';
import { createPipelineCache } from '../../pipeline/pipeline-cache';
import { createVideoPipeline, type VideoPipeline } from '../../pipeline/video-pipeline';
import { encodeMp4, openMp4Writer, type EncodedMp4 } from './encode-mp4';
import { yieldingBackend } from '../yielding-backend';
import type { EncoderChoice } from './encode-options';

/** What a job receives besides its request. */
export interface JobContext {
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** After each denoising step, a small picture of the clip so far (packages with `latent.preview_rgb`). */
  onPreview?: (image: PreviewImage) => void;
}

/** A GPU holds one model at a time: one pipeline kept, released after this long without a job. */
export const PIPELINE_IDLE_MS = 5 * 60_000;
const cache = createPipelineCache({ idleMs: PIPELINE_IDLE_MS, maxEntries: 1 });
let backend: OrtBackend | null = null;

/** Releases the kept pipeline (its sessions and GPU memory) now, or when the running job ends. */
export function unloadPipelines(): Promise<void> {
  return cache.releaseAll();
}

/** Runs `job` on the pipeline for the request's model, variant and device, loaded once and kept. */
export async function onPipeline<T>(
  request: GenerateRequest,
  context: JobContext,
  job: (pipeline: VideoPipeline) => Promise<T>,
): Promise<T> {
  // A worker started for tests or `?debug` (its name says so) reports where each graph's nodes run.
  backend ??= yieldingBackend(
    createWebBackend({ probePlacement: placementRequested((globalThis as { name?: string }).name) }),
  );
  const ort = backend;
  const device = await ort.resolveDevice(request.device);
  const key = `${request.modelUrl}|${request.variant ?? ''}|${device}`;
  // The load is not tied to this job's signal: a cancelled job must not poison the cache for the next
  // one, and the worker is terminated if it has to stop at once.
  const load = () =>
    timed('loadMs', async () => {
      const pkg = await loadModelPackage(packageSource(request.modelUrl), {
        variant: request.variant,
        onProgress: (e) => context.onProgress?.(e),
      });
      return createVideoPipeline(pkg, ort, device);
    });
  return cache.use(key, load, async (pipeline) => {
    if (context.signal.aborted) throw new JobAbortedError();
    return job(pipeline);
  });
}

/** Runs the pipeline to frames and latents, without encoding; the request's images pick the mode. */
export async function runFramesJob(request: GenerateRequest, context: JobContext): Promise<FramesResult> {
  const mode = modeForImages(request);
  const { image, last_image, params } = request;
  const options = jobOptions(request, context);
  return onPipeline(request, context, (pipeline) =>
    mode === 'text-to-video'
      ? textToVideo(pipeline, params, options)
      : imageToVideo(pipeline, params, { mode, image, last_image }, options),
  );
}

/** The pipeline options of a job: cancellation, progress, previews and its LoRA. */
function jobOptions(request: GenerateRequest, context: JobContext): TextToVideoOptions {
  const { onPreview } = context;
  return {
    signal: context.signal,
    onProgress: context.onProgress,
    ...(onPreview && {
      onPreview: (image: PreviewImage) => (recordStage('previewMs', image.ms ?? 0), onPreview(image)),
    }),
    ...(request.lora && { lora: request.lora }),
  };
}

/** Runs the pipeline into an H.264 MP4: each chunk of frames goes to the encoder as the VAE decodes it. */
export async function runVideoJob(
  request: GenerateRequest,
  encoder: EncoderChoice,
  context: JobContext,
): Promise<GenerateResult> {
  const started = performance.now();
  const timings = startTimings();
  const { signal, onProgress } = context;
  const { params } = request;
  const mode = modeForImages(request);
  return onPipeline(request, context, async (pipeline) => {
    const writer = await openMp4Writer(params, {
      fps: params.frames_per_second,
      signal,
      encoder,
      onFrame: (frame, totalFrames) => onProgress?.({ type: 'encode-video', frame, totalFrames }),
    });
    try {
      const sink = (chunk: FrameChunk) => timed('encodeMs', () => writer.add(chunk));
      const { image, last_image } = request;
      const result =
        mode === 'text-to-video'
          ? await streamTextToVideo(pipeline, params, sink, jobOptions(request, context))
          : await streamImageToVideo(pipeline, params, { mode, image, last_image }, sink, jobOptions(request, context));
      // The clip carries its recipe (model, weights, every parameter): dropped back in, it re-runs exactly.
      const recipe = recipeOf(pipeline.manifest.id, params, {
        mode,
        variant: pipeline.variant,
        model_version: packageVersion(pipeline.manifest, pipeline.variant),
        ...(request.lora && { lora: { name: request.lora.name ?? 'LoRA', scale: request.lora.scale } }),
      });
      const encoded = await timed('encodeMs', () => writer.finish());
      return finishJob(request, result, encoded, params.frames_per_second, recipe, context, started, timings);
    } finally {
      writer.close();
    }
  });
}

/** Encodes a job's frames to an H.264 MP4 that carries `recipe`, reporting `encode-video` and `done`. */
export async function encodeJob(
  request: GenerateRequest,
  result: FramesResult,
  fps: number,
  recipe: Recipe,
  encoder: EncoderChoice,
  context: JobContext,
  started: number,
  timings: JobTimings,
): Promise<GenerateResult> {
  const { signal, onProgress } = context;
  const { frames } = result;
  onProgress?.({ type: 'encode-video', frame: 0, totalFrames: frames.numFrames });
  const encoded = await timed('encodeMs', () =>
    encodeMp4(frames, {
      fps,
      signal,
      encoder,
      onFrame: (frame, totalFrames) => onProgress?.({ type: 'encode-video', frame, totalFrames }),
    }),
  );
  return finishJob(request, result, encoded, fps, recipe, context, started, timings);
}

/** The job's result: the MP4 with `recipe` written in, what made it, and `done` reported. */
function finishJob(
  request: GenerateRequest,
  result: StreamedResult,
  encoded: EncodedMp4,
  fps: number,
  recipe: Recipe,
  context: JobContext,
  started: number,
  timings: JobTimings,
): GenerateResult {
  const { frames } = result;
  const mp4 = writeRecipe(new Uint8Array(encoded.mp4), recipe);
  const elapsedMs = performance.now() - started;
  context.onProgress?.({ type: 'done', elapsedMs });
  return {
    jobId: request.jobId,
    mp4: mp4.buffer as ArrayBuffer,
    mimeType: 'video/mp4',
    width: frames.width,
    height: frames.height,
    numFrames: frames.numFrames,
    fps,
    seed: request.params.seed,
    device: result.device,
    encoder: encoded.encoder,
    placement: result.placement,
    elapsedMs,
    timings,
  };
}
