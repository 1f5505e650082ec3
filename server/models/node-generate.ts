/**
 * Text or image to video in Node, from a package folder to frames and latents: what the CLI, the server's
 * worker and browser-vs-Node parity tests call. Uses the same `src/pipeline` code as the browser.
 */
import type {
  DeviceRequest,
  FramesResult,
  GenerateParams,
  LoraWeights,
  ProgressEvent,
} from '../../src/shared/protocol';
import { ortNodeBackend } from '../inference/ort-node';
import { imageToVideo, type ImageConditioning } from '../../src/pipeline/image-to-video';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { modelVersionOf, recipeOf, type Recipe } from '../../src/pipeline/mp4-recipe';
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
    model_version: modelVersionOf(pipe.manifest, pipe.variant),
    ...(request.lora && { lora: { name: request.loraName ?? 'lora', scale: request.lora.scale } }),
  });
}

/** Loads the package, generates (from the conditioning images when given), releases the sessions; returns frames, latents, the parameters used and the recipe. */
export async function generateFramesNode(
  request: NodeGenerateRequest,
): Promise<FramesResult & { params: GenerateParams; recipe: Recipe }> {
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
    const params = resolveParams(pkg.manifest, request.params);
    const options = { onProgress, signal, lora: request.lora, onPreview: request.onPreview };
    const { conditioning } = request;
    const result = conditioning
      ? await imageToVideo(pipe, params, conditioning, options)
      : await textToVideo(pipe, params, options);
    return { ...result, params, recipe: recipeFor(pipe, params, request) };
  } finally {
    await pipe.release();
  }
}
