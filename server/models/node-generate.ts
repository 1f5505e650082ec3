/**
 * Text or image to video in Node, from a package folder to frames and latents: what the CLI, the server's
 * worker and browser-vs-Node parity tests call. Uses the same `src/pipeline` code as the browser.
 * `streamFramesNode` hands the frames to a sink as they decode (the server's jobs encode them on the way, so
 * a long clip's raw frames are never all in memory); `generateFramesNode` returns them all.
 */
import type {
  DeviceRequest,
  FrameSink,
  FramesResult,
  GenerateParams,
  LoraWeights,
  ProgressEvent,
  StreamedResult,
} from '../../src/shared/protocol';
import { ortNodeBackend } from '../inference/ort-node';
import { streamImageToVideo, type ImageConditioning } from '../../src/pipeline/image-to-video';
import { withAllFrames } from '../../src/pipeline/frames';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { streamTextToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { recipeOf, type Recipe } from '../../src/pipeline/mp4-recipe';
import { packageVersion } from '../../src/pipeline/package-version';
import { fsPackageSource } from './fs-package-source';
import type { PreviewImage } from '../../src/pipeline/preview';

/** One Node generation request. */
export interface NodeGenerateRequest {
  /** Folder holding the package's `model.json`. */
  modelDir: string;
  /** Parameters; absent ones come from the manifest (a missing seed is drawn at random). */
  params: Partial<GenerateParams>;
  /** `auto`/`wasm` run on the CPU provider, `webgpu` on onnxruntime-node's WebGPU provider. */
  device?: DeviceRequest;
  variant?: string;
  /** The decoded image(s) and their mode; absent, the job is text-to-video. */
  conditioning?: ImageConditioning;
  /** A LoRA for the denoiser; a file that does not fit the model throws `LoraError`. */
  lora?: LoraWeights;
  /** How the recipe names the LoRA (its folder or id). */
  loraName?: string;
  onProgress?(event: ProgressEvent): void;
  /** After each denoising step, a small picture of the clip so far (packages with `latent.preview_rgb`). */
  onPreview?(image: PreviewImage): void;
  signal?: AbortSignal;
}

/** What re-makes this generation: the package, its weights and every parameter (LoRA by scale only). */
export function recipeFor(pipe: VideoPipeline, params: GenerateParams, request: NodeGenerateRequest): Recipe {
  return recipeOf(pipe.manifest.id, params, {
    mode: request.conditioning?.mode ?? 'text-to-video',
    variant: pipe.variant,
    model_version: packageVersion(pipe.manifest, pipe.variant),
    ...(request.lora && { lora: { name: request.loraName ?? 'lora', scale: request.lora.scale } }),
  });
}

/** What a streamed Node generation returns: the clip's size, latents, placement, the parameters and recipe. */
export type NodeGenerated = StreamedResult & { params: GenerateParams; recipe: Recipe };

/** A streaming Node generation: `streamFramesNode`, or the same on a cached pipeline (`pipelineCache`). */
export type NodeGenerate = (request: NodeGenerateRequest, sink: FrameSink) => Promise<NodeGenerated>;

/** Runs text- or image-to-video on a loaded pipeline, handing the frames to `sink`. */
export async function generateOn(
  pipe: VideoPipeline,
  request: NodeGenerateRequest,
  sink: FrameSink,
): Promise<NodeGenerated> {
  const params = resolveParams(pipe.manifest, request.params);
  const options = {
    onProgress: request.onProgress,
    signal: request.signal,
    lora: request.lora,
    onPreview: request.onPreview,
  };
  const { conditioning } = request;
  const result = conditioning
    ? await streamImageToVideo(pipe, params, conditioning, sink, options)
    : await streamTextToVideo(pipe, params, sink, options);
  return { ...result, params, recipe: recipeFor(pipe, params, request) };
}

/** Loads the package, generates (from the conditioning images when given) into `sink`, releases the sessions. */
export const streamFramesNode: NodeGenerate = async (request, sink) => {
  const { onProgress, signal } = request;
  const pkg = await loadModelPackage(fsPackageSource(request.modelDir), {
    variant: request.variant,
    onProgress,
    signal,
  });
  const device = await ortNodeBackend.resolveDevice(
    request.device ?? 'auto',
    pkg.manifest.variants[pkg.variant]?.requires,
  );
  const pipe = createVideoPipeline(pkg, ortNodeBackend, device);
  try {
    return await generateOn(pipe, request, sink);
  } finally {
    await pipe.release();
  }
};

/** As `streamFramesNode`, returning every frame: frames, latents, the parameters used and the recipe. */
export function generateFramesNode(
  request: NodeGenerateRequest,
): Promise<FramesResult & { params: GenerateParams; recipe: Recipe }> {
  return withAllFrames((sink) => streamFramesNode(request, sink));
}
