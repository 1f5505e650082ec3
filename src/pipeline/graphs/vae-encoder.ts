/** The VAE encoder graph: video `[1, 3, 1 + 4k, 8h, 8w]` in [-1, 1] → latents `[1, C, 1 + k, h, w]` (causal). */
import { ModelPackageError } from '../../shared/errors';
import type { GraphSession } from '../backend/types';
import { floatInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** Encodes video (one frame for image conditioning) and multiplies by `scaling_factor` (the diffusers convention). */
export async function encodeVideo(
  pipe: VideoPipeline,
  video: Float32Array,
  videoDims: readonly number[],
): Promise<{ latents: Float32Array; dims: readonly number[]; session: GraphSession }> {
  const spec = pipe.manifest.graphs.vae_encoder;
  if (!spec) throw new ModelPackageError(`${pipe.manifest.id} has no vae_encoder graph, so it cannot encode images.`);
  const { inputs, outputs } = spec;
  const session = await pipe.session('vae_encoder', { [inputs.frames.name]: videoDims });
  const result = await session.run({ [inputs.frames.name]: floatInput(inputs.frames.dtype, video, videoDims) });
  const { data, dims } = readFloat(result[outputs.latents.name], 'latents');
  const scale = pipe.manifest.latent.scaling_factor;
  return { latents: scale === 1 ? data : data.map((v) => v * scale), dims, session };
}
