/**
 * Image to video (first frame) and first-last-frame, numbered like `text-to-video.ts`: 1 check
 * inputs, 2 encode the prompt, 3 encode the image(s), 4 set timesteps, 5 prepare latents, 6 denoise
 * with the conditioned latent frames held to the images (see `conditioning.ts`), 7 decode and return
 * (`streamImageToVideo` hands the frames over as they decode).
 */
import { InvalidParamsError, JobAbortedError } from '../shared/errors';
import type {
  ConditioningImage,
  FrameSink,
  FramesResult,
  GenerateMode,
  GenerateParams,
  StreamedResult,
} from '../shared/protocol';
import { MAX_IMAGE_SIDE } from '../shared/video-rules';
import type { GraphSession } from './backend/types';
import { FrameReplacement, type ConditionedFrame } from './conditioning';
import { denoise } from './denoise';
import { videoFromImage, withAllFrames } from './frames';
import { encodePrompts } from './graphs/text-encoder';
import { promptBatch } from './guidance';
import { decodeFrames } from './graphs/vae-decoder';
import { encodeVideo } from './graphs/vae-encoder';
import { resizeCover } from './image-resize';
import { initialNoise, latentGrid } from './latents';
import { loraSchedule } from './lora/adapter';
import type { ModelManifest } from './model-package/manifest';
import { checkParams } from './params';
import type { TextToVideoOptions } from './text-to-video';
import { placementOf, type VideoPipeline } from './video-pipeline';
import { previewHook } from './preview';

/** The images of an image-conditioned job and the mode they are for. */
export interface ImageConditioning {
  mode: Exclude<GenerateMode, 'text-to-video'>;
  /** The first frame. */
  image?: ConditioningImage;
  /** The last frame (first-last-frame only). */
  last_image?: ConditioningImage;
}

/** Throws `InvalidParamsError` unless the model lists the mode and the mode's images are present and well formed. */
export function checkConditioning(manifest: ModelManifest, conditioning: ImageConditioning): void {
  const { mode, image, last_image } = conditioning;
  if (!manifest.modes.includes(mode)) {
    throw new InvalidParamsError(
      `${manifest.id} does not support ${mode} (it supports ${manifest.modes.join(', ')}): choose a model that lists ${mode}, or remove the image${mode === 'first-last-frame' ? 's' : ''} to generate from text.`,
      mode === 'first-last-frame' ? 'last_image' : 'image',
    );
  }
  if (!image) {
    throw new InvalidParamsError(
      `image is required for ${mode}: give the first frame as RGBA bytes with its width and height.`,
      'image',
    );
  }
  if (mode === 'first-last-frame' && !last_image) {
    throw new InvalidParamsError(
      'last_image is required for first-last-frame: give the last frame too, or use image-to-video for a first frame alone.',
      'last_image',
    );
  }
  if (mode === 'image-to-video' && last_image) {
    throw new InvalidParamsError(
      'last_image is only used by first-last-frame: remove it, or ask for first-last-frame.',
      'last_image',
    );
  }
  for (const [field, img] of [
    ['image', image],
    ['last_image', last_image],
  ] as const) {
    if (!img) continue;
    const { width, height, rgba } = img;
    const side = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_IMAGE_SIDE;
    if (!side(width) || !side(height))
      throw new InvalidParamsError(
        `${field} must be 1 to ${MAX_IMAGE_SIDE} pixels on each side; got ${width}×${height}.`,
        field,
      );
    if (!(rgba instanceof Uint8Array) || rgba.length !== width * height * 4)
      throw new InvalidParamsError(
        `${field} must hold ${width}×${height}×4 RGBA bytes; got ${rgba?.length ?? 0}.`,
        field,
      );
  }
}

/** Generates RGBA frames whose first (and last) frame follow the given image(s). */
export async function imageToVideo(
  pipe: VideoPipeline,
  params: GenerateParams,
  conditioning: ImageConditioning,
  options: TextToVideoOptions = {},
): Promise<FramesResult> {
  return withAllFrames((sink) => streamImageToVideo(pipe, params, conditioning, sink, options));
}

/** As `imageToVideo`, handing the frames to `sink` in order as they decode. */
export async function streamImageToVideo(
  pipe: VideoPipeline,
  params: GenerateParams,
  conditioning: ImageConditioning,
  sink: FrameSink,
  options: TextToVideoOptions = {},
): Promise<StreamedResult> {
  const { onProgress, signal } = options;
  const throwIfAborted = () => {
    if (signal?.aborted) throw new JobAbortedError();
  };
  const used: GraphSession[] = [];

  // 1. Check inputs: the parameters, the mode against the manifest, the images, the LoRA files.
  checkParams(pipe.manifest, params);
  checkConditioning(pipe.manifest, conditioning);
  const lora = loraSchedule(pipe.manifest.graphs.denoiser.lora, pipe.manifest.id, options.lora);
  throwIfAborted();

  // 2. Encode the prompt; with guidance, the negative prompt too, as batch [negative, positive].
  onProgress?.({ type: 'encode-prompt' });
  const text = await encodePrompts(pipe, promptBatch(params));
  used.push(text.session);
  throwIfAborted();

  // 3. Encode the image(s): cover-resize to the job's (or the VAE's base) size, pad like the latent grid, VAE-encode one
  //    frame each (the causal VAE maps one frame to one latent frame), × scaling_factor.
  const grid = latentGrid(pipe.manifest, params.width, params.height, params.num_frames);
  const lastFrame = grid.dims[2] - 1;
  const targets = [{ index: 0, image: conditioning.image! }];
  if (conditioning.mode === 'first-last-frame') targets.push({ index: lastFrame, image: conditioning.last_image! });
  const frames: ConditionedFrame[] = [];
  for (const { index, image } of targets) {
    const fitted = resizeCover(image, grid.imageWidth, grid.imageHeight);
    const { video, dims } = videoFromImage(fitted, grid.paddedWidth, grid.paddedHeight);
    const encoded = await encodeVideo(pipe, video, dims);
    const expected = [1, grid.dims[1], 1, grid.dims[3], grid.dims[4]];
    if (encoded.dims.join() !== expected.join())
      throw new Error(`the VAE encoder returned dims [${encoded.dims.join(', ')}], expected [${expected.join(', ')}]`);
    if (!used.includes(encoded.session)) used.push(encoded.session);
    frames.push({ index, clean: encoded.latents });
    throwIfAborted();
  }

  // 4. Set timesteps.
  const scheduler = pipe.createScheduler();
  scheduler.setTimesteps(params.num_inference_steps);

  // 5. Prepare latents: the same seeded noise as text-to-video; it also supplies each conditioned frame's ε.
  const latents = initialNoise(grid, params.seed);
  const replacement = new FrameReplacement(grid.dims, frames, latents);

  // 6. Denoise with the conditioned frames replaced at each step's σ, and set to the clean latents at the end.
  const { hiddenStates, dims: hiddenDims } = text;
  used.push(
    await denoise(pipe, {
      latents,
      latentDims: grid.dims,
      hiddenStates,
      hiddenDims,
      guidanceScale: params.guidance_scale,
      scheduler,
      condition: (x, sigma) => replacement.apply(x, sigma),
      lora,
      onProgress,
      onPrediction: previewHook(pipe.manifest, grid, options.onPreview),
      signal,
    }),
  );
  throwIfAborted();

  // 7. Decode (in chunks where the VAE allows) to RGBA frames, into the sink; return the clip's size, the
  // final latents and placements.
  onProgress?.({ type: 'decode' });
  const decoded = await decodeFrames(pipe, latents, grid.dims, params.width, params.height, sink);
  used.push(decoded.session);
  return {
    frames: decoded.frames,
    latents,
    latentDims: [...grid.dims],
    device: pipe.device,
    placement: placementOf(used),
  };
}
