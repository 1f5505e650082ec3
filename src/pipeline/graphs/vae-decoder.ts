/** The VAE decoder graph: latents `[1, C, F, H, W]` → video `[1, 3, 1 + 4(F − 1), 8H, 8W]` in [-1, 1]. */
import type { GraphSession } from '../backend/types';
import { floatInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** Decodes latents, divided by the manifest's `scaling_factor` first (the diffusers convention). */
export async function decodeLatents(
  pipe: VideoPipeline,
  latents: Float32Array,
  latentDims: readonly number[],
): Promise<{ video: Float32Array; dims: readonly number[]; session: GraphSession }> {
  const { inputs, outputs } = pipe.manifest.graphs.vae_decoder;
  const scale = pipe.manifest.latent.scaling_factor;
  const scaled = scale === 1 ? latents : latents.map((v) => v / scale);
  const session = await pipe.session('vae_decoder', { [inputs.latents.name]: latentDims });
  const result = await session.run({ [inputs.latents.name]: floatInput(inputs.latents.dtype, scaled, latentDims) });
  const { data, dims } = readFloat(result[outputs.frames.name], 'frames');
  return { video: data, dims, session };
}
