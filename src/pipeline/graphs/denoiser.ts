/**
 * The denoiser graph: (latents `[B, C, F, H, W]`, timestep `[B]`, text `[B, L, D]`, LoRA factors when
 * the manifest declares them) → velocity.
 */
import type { GraphSession, HostTensor } from '../backend/types';
import { loraSchedule, type FactorFeed, type LoraSchedule } from '../lora/adapter';
import { floatInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** A denoiser bound to one job: its session and text conditioning, and a function for one step. */
export interface BoundDenoiser {
  session: GraphSession;
  /** Predicts the velocity of batched `latents` (duplicated for guidance) at `timestep`, noise level `sigma`. */
  predict(latents: Float32Array, timestep: number, sigma: number): Promise<Float32Array>;
}

const tensors = (feeds: FactorFeed[]): Record<string, HostTensor> =>
  Object.fromEntries(feeds.map((f) => [f.name, floatInput('float32', f.data, f.dims)]));

/**
 * Compiles (or reuses) the denoiser for this job's shapes and binds the text conditioning and the
 * LoRA factors (`lora` is required when the manifest declares adapted layers; see `loraSchedule`).
 */
export async function bindDenoiser(
  pipe: VideoPipeline,
  latentDims: readonly number[],
  hiddenStates: Float32Array,
  hiddenDims: readonly number[],
  schedule?: LoraSchedule,
): Promise<BoundDenoiser> {
  const { inputs, outputs, lora: spec } = pipe.manifest.graphs.denoiser;
  // A model with adapted layers always takes their inputs: callers without a LoRA get rank-1 zeros.
  const lora = schedule ?? loraSchedule(spec, pipe.manifest.id);
  const batch = latentDims[0]!;
  const session = await pipe.session('denoiser', {
    [inputs.latents.name]: latentDims,
    [inputs.timestep.name]: [batch],
    [inputs.encoder_hidden_states.name]: hiddenDims,
    ...Object.fromEntries((lora?.high ?? []).map((f) => [f.name, f.dims])),
  });
  // The text conditioning and the LoRA factors are the same at every step: convert them once.
  const text = floatInput(inputs.encoder_hidden_states.dtype, hiddenStates, hiddenDims);
  const high = tensors(lora?.high ?? []);
  const low = lora && lora.low !== lora.high ? tensors(lora.low) : high;
  return {
    session,
    async predict(latents, timestep, sigma) {
      const result = await session.run({
        [inputs.latents.name]: floatInput(inputs.latents.dtype, latents, latentDims),
        [inputs.timestep.name]: floatInput(inputs.timestep.dtype, new Float32Array(batch).fill(timestep), [batch]),
        [inputs.encoder_hidden_states.name]: text,
        ...(lora && sigma >= lora.boundarySigma ? high : low),
      });
      return readFloat(result[outputs.velocity.name], 'velocity').data;
    },
  };
}
