/**
 * Euler sampling of a rectified-flow (flow matching) model, as diffusers'
 * `FlowMatchEulerDiscreteScheduler` with a static shift:
 * https://github.com/huggingface/diffusers/blob/main/src/diffusers/schedulers/scheduling_flow_match_euler_discrete.py
 * The model predicts a velocity v = noise − data; x moves from σ = 1 (noise) to σ = 0 (data).
 */

/** Configuration, from the manifest's `scheduler` block. */
export interface FlowMatchEulerConfig {
  /** Static timestep shift; > 1 spends more steps at high noise (SD3, Wan use 3–5 for video). */
  shift: number;
  numTrainTimesteps: number;
}

/** A pure flow-matching Euler scheduler: no ONNX Runtime, no state besides the schedule. */
export class FlowMatchEulerScheduler {
  /** Timesteps passed to the denoiser, σ·numTrainTimesteps, one per step. */
  timesteps: number[] = [];
  /** Noise levels, one per step plus the final 0. */
  sigmas: number[] = [];

  constructor(readonly config: FlowMatchEulerConfig) {
    if (!(config.shift > 0) || !(config.numTrainTimesteps >= 1))
      throw new RangeError('shift must be > 0 and numTrainTimesteps ≥ 1');
  }

  /** Prepares the schedule for `numInferenceSteps` steps. */
  setTimesteps(numInferenceSteps: number): void {
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1)
      throw new RangeError('numInferenceSteps must be an integer ≥ 1');
    const { numTrainTimesteps: T } = this.config;
    // Like diffusers: the end points are the shifted training σ range (1 and shift(1/T)), the linspace
    // between them is shifted once more. Keeping this detail keeps our schedules equal to diffusers'.
    const sigmaMax = this.shiftSigma(1);
    const sigmaMin = this.shiftSigma(1 / T);
    const n = numInferenceSteps;
    const linear = Array.from({ length: n }, (_, i) =>
      n === 1 ? sigmaMax : sigmaMax + ((sigmaMin - sigmaMax) * i) / (n - 1),
    );
    this.sigmas = [...linear.map((s) => this.shiftSigma(s)), 0];
    this.timesteps = this.sigmas.slice(0, n).map((s) => s * T);
  }

  /** Euler step in place: `sample += (σ[i+1] − σ[i]) · velocity`; returns `sample`. */
  step(velocity: Float32Array, sigmaIndex: number, sample: Float32Array): Float32Array {
    const sigma = this.sigmas[sigmaIndex];
    const sigmaNext = this.sigmas[sigmaIndex + 1];
    if (sigma === undefined || sigmaNext === undefined)
      throw new RangeError(`step ${sigmaIndex} is outside the schedule; call setTimesteps first`);
    if (velocity.length !== sample.length) throw new RangeError('velocity and sample differ in length');
    const dt = sigmaNext - sigma;
    for (let i = 0; i < sample.length; i++) sample[i] = sample[i]! + dt * velocity[i]!;
    return sample;
  }

  private shiftSigma(sigma: number): number {
    const { shift } = this.config;
    return (shift * sigma) / (1 + (shift - 1) * sigma);
  }
}
