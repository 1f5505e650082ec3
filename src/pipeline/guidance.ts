/** Classifier-free guidance over a batch of two: `[unconditional, conditional]`. */
import type { GenerateParams } from '../shared/protocol';

/** The prompts to encode, in the batch order `applyGuidance` expects: `[negative, prompt]` with guidance, else `[prompt]`. */
export function promptBatch(params: Pick<GenerateParams, 'prompt' | 'negative_prompt' | 'guidance_scale'>): string[] {
  return params.guidance_scale > 1 ? [params.negative_prompt, params.prompt] : [params.prompt];
}

/** Repeats one latent tensor twice along the batch axis: the denoiser sees both halves in one run. */
export function duplicateBatch(latents: Float32Array): Float32Array {
  const out = new Float32Array(latents.length * 2);
  out.set(latents, 0);
  out.set(latents, latents.length);
  return out;
}

/** `uncond + g·(cond − uncond)` from a batched velocity `[uncond; cond]`. */
export function applyGuidance(batched: Float32Array, guidanceScale: number): Float32Array {
  const n = batched.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const uncond = batched[i]!;
    out[i] = uncond + guidanceScale * (batched[i + n]! - uncond);
  }
  return out;
}
