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
import { ortNodeBackend } from '../../src/pipeline/backend/ort-node';
import { imageToVideo, type ImageConditioning } from '../../src/pipeline/image-to-video';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline } from '../../src/pipeline/video-pipeline';
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
  onProgress?(event: ProgressEvent): void;
  /** After each denoising step, a small picture of the clip so far (packages with `latent.preview_rgb`). */
  onPreview?(image: PreviewImage): void;
  signal?: AbortSignal;
}

/** Loads the package, generates (from the conditioning images when given), releases the sessions; returns frames, latents and the parameters used. */
export async function generateFramesNode(
  request: NodeGenerateRequest,
): Promise<FramesResult & { params: GenerateParams }> {
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
    return { ...result, params };
  } finally {
    await pipe.release();
  }
}
