/** The denoiser graph: (latents `[B, C, F, H, W]`, timestep `[B]`, text `[B, L, D]`) → velocity. */
import type { GraphSession } from '../backend/types';
import { floatInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** A denoiser bound to one job: its session and text conditioning, and a function for one step. */
export interface BoundDenoiser {
  session: GraphSession;
  /** Predicts the velocity of batched `latents` (duplicated for guidance) at `timestep`. */
  predict(latents: Float32Array, timestep: number): Promise<Float32Array>;
}

/** Compiles (or reuses) the denoiser for this job's shapes and binds the text conditioning. */
export async function bindDenoiser(
  pipe: VideoPipeline,
  latentDims: readonly number[],
  hiddenStates: Float32Array,
  hiddenDims: readonly number[],
): Promise<BoundDenoiser> {
  const { inputs, outputs } = pipe.manifest.graphs.denoiser;
  const batch = latentDims[0]!;
  const session = await pipe.session('denoiser', {
    [inputs.latents.name]: latentDims,
    [inputs.timestep.name]: [batch],
    [inputs.encoder_hidden_states.name]: hiddenDims,
  });
  // The text conditioning is the same at every step: convert it once.
  const text = floatInput(inputs.encoder_hidden_states.dtype, hiddenStates, hiddenDims);
  return {
    session,
    async predict(latents, timestep) {
      const result = await session.run({
        [inputs.latents.name]: floatInput(inputs.latents.dtype, latents, latentDims),
        [inputs.timestep.name]: floatInput(inputs.timestep.dtype, new Float32Array(batch).fill(timestep), [batch]),
        [inputs.encoder_hidden_states.name]: text,
      });
      return readFloat(result[outputs.velocity.name], 'velocity').data;
    },
  };
}
