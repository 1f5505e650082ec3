/**
 * The denoising loop every pipeline shares: one velocity prediction (batched with the negative prompt
 * under classifier-free guidance) and one Euler step per timestep, abortable between steps. Image
 * conditioning hooks in through `condition`, called before each prediction and once after the last step.
 */
import { JobAbortedError } from '../shared/errors';
import type { ProgressEvent } from '../shared/protocol';
import type { GraphSession } from './backend/types';
import { bindDenoiser } from './graphs/denoiser';
import { applyGuidance, duplicateBatch } from './guidance';
import type { LoraSchedule } from './lora/adapter';
import type { FlowMatchEulerScheduler } from './schedulers/flow-match-euler';
import type { VideoPipeline } from './video-pipeline';

/** One job's denoising inputs; `latents` is updated in place. */
export interface DenoiseJob {
  latents: Float32Array;
  /** `[1, C, F, h, w]`. */
  latentDims: readonly number[];
  /** Text conditioning, batch `[negative, positive]` when `guidanceScale > 1`, else `[positive]`. */
  hiddenStates: Float32Array;
  hiddenDims: readonly number[];
  guidanceScale: number;
  /** A scheduler whose timesteps are set. */
  scheduler: FlowMatchEulerScheduler;
  /** Rewrites conditioned parts of `latents` at noise level `sigma` (0 after the last step). */
  condition?: (latents: Float32Array, sigma: number) => void;
  /** LoRA factors from `loraSchedule`: high-noise ones for σ ≥ the boundary, low-noise ones below. */
  lora?: LoraSchedule;
  onProgress?(event: ProgressEvent): void;
  /**
   * Called at each step with the latents before the step (x_t), the guided velocity and σ, from which
   * x̂₀ = x_t − σ·v (the live preview); synchronous, and neither array may be kept.
   */
  onPrediction?(latents: Float32Array, velocity: Float32Array, sigma: number, step: number, totalSteps: number): void;
  signal?: AbortSignal;
}

/** Runs the loop and returns the denoiser session (for its placement). */
export async function denoise(pipe: VideoPipeline, job: DenoiseJob): Promise<GraphSession> {
  const { latents, scheduler, condition, onProgress, signal } = job;
  const guided = job.guidanceScale > 1;
  const maxSigma = pipe.manifest.scheduler.guidance_max_sigma ?? Number.POSITIVE_INFINITY;
  const batchDims = [guided ? 2 : 1, ...job.latentDims.slice(1)];
  const denoiser = await bindDenoiser(pipe, batchDims, job.hiddenStates, job.hiddenDims, job.lora);
  for (const [i, timestep] of scheduler.timesteps.entries()) {
    if (signal?.aborted) throw new JobAbortedError();
    const sigma = scheduler.sigmas[i]!;
    condition?.(latents, sigma);
    const batched = await denoiser.predict(guided ? duplicateBatch(latents) : latents, timestep, sigma);
    // Above the manifest's guidance interval the prompt's half of the batch is the velocity (the session's
    // batch stays 2: WebGPU keeps one static shape per job).
    const velocity = !guided
      ? batched
      : sigma > maxSigma
        ? batched.slice(batched.length / 2)
        : applyGuidance(batched, job.guidanceScale);
    job.onPrediction?.(latents, velocity, sigma, i + 1, scheduler.timesteps.length);
    scheduler.step(velocity, i, latents);
    onProgress?.({ type: 'step', step: i + 1, totalSteps: scheduler.timesteps.length, timestep });
  }
  condition?.(latents, 0);
  return denoiser.session;
}
