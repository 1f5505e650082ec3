/**
 * Text to video, read top to bottom like diffusers' `__call__`: 1 check inputs, 2 encode the prompt,
 * 3 set timesteps, 4 prepare latents, 5 denoise, 6 decode, 7 return frames. The caller encodes video:
 * `streamTextToVideo` hands the frames over chunk by chunk as they decode (an encoder takes them while the
 * next decode, so memory does not grow with the clip); `textToVideo` returns them all.
 */
import { JobAbortedError } from '../shared/errors';
import type {
  FrameSink,
  FramesResult,
  GenerateParams,
  LoraWeights,
  ProgressEvent,
  StreamedResult,
} from '../shared/protocol';
import type { GraphSession } from './backend/types';
import { denoise } from './denoise';
import { encodePrompts } from './graphs/text-encoder';
import { promptBatch } from './guidance';
import { decodeFrames } from './graphs/vae-decoder';
import { withAllFrames } from './frames';
import { initialNoise, latentGrid } from './latents';
import { loraSchedule } from './lora/adapter';
import { checkParams } from './params';
import { placementOf, type VideoPipeline } from './video-pipeline';
import { previewHook, type PreviewImage } from './preview';

/** Options of one generation. */
export interface TextToVideoOptions {
  /** `encode-prompt`, one `step` per denoising step, `decode` (the loader reports `load`). */
  onProgress?(event: ProgressEvent): void;
  /** Checked between steps; an aborted job rejects with `JobAbortedError`. */
  signal?: AbortSignal;
  /** A LoRA applied to the denoiser (the model must declare adapted layers); absent, none. */
  lora?: LoraWeights;
  /** After each step, a small RGB picture of the clip so far (packages with `latent.preview_rgb` only). */
  onPreview?(image: PreviewImage): void;
}

/** Generates RGBA frames and the final latents for `params` (all fields required; see `resolveParams`). */
export async function textToVideo(
  pipe: VideoPipeline,
  params: GenerateParams,
  options: TextToVideoOptions = {},
): Promise<FramesResult> {
  return withAllFrames((sink) => streamTextToVideo(pipe, params, sink, options));
}

/** As `textToVideo`, handing the frames to `sink` in order as they decode. */
export async function streamTextToVideo(
  pipe: VideoPipeline,
  params: GenerateParams,
  sink: FrameSink,
  options: TextToVideoOptions = {},
): Promise<StreamedResult> {
  const { onProgress, signal } = options;
  const throwIfAborted = () => {
    if (signal?.aborted) throw new JobAbortedError();
  };
  const used: GraphSession[] = [];

  // 1. Check inputs, the LoRA files included (a file that does not fit fails before any graph runs).
  checkParams(pipe.manifest, params);
  const lora = loraSchedule(pipe.manifest.graphs.denoiser.lora, pipe.manifest.id, options.lora);
  throwIfAborted();

  // 2. Encode the prompt; with guidance, the negative prompt too, as batch [negative, positive].
  onProgress?.({ type: 'encode-prompt' });
  const text = await encodePrompts(pipe, promptBatch(params));
  used.push(text.session);
  throwIfAborted();

  // 3. Set timesteps.
  const scheduler = pipe.createScheduler();
  scheduler.setTimesteps(params.num_inference_steps);

  // 4. Prepare latents: seeded noise over the padded latent grid.
  const grid = latentGrid(pipe.manifest, params.width, params.height, params.num_frames);
  const latents = initialNoise(grid, params.seed);

  // 5. Denoise: one velocity prediction and one Euler step per timestep, abortable between steps.
  const { hiddenStates, dims: hiddenDims } = text;
  const guidanceScale = params.guidance_scale;
  const latentDims = grid.dims;
  used.push(
    await denoise(pipe, {
      latents,
      latentDims,
      hiddenStates,
      hiddenDims,
      guidanceScale,
      scheduler,
      lora,
      onProgress,
      onPrediction: previewHook(pipe.manifest, grid, options.onPreview),
      signal,
    }),
  );
  throwIfAborted();

  // 6. Decode (in chunks where the VAE allows) to RGBA frames of the requested size, into the sink.
  onProgress?.({ type: 'decode' });
  const decoded = await decodeFrames(pipe, latents, grid.dims, params.width, params.height, sink);
  used.push(decoded.session);

  // 7. Return the clip's size, final latents and where each graph ran.
  const { frames } = decoded;
  return { frames, latents, latentDims: [...grid.dims], device: pipe.device, placement: placementOf(used) };
}
