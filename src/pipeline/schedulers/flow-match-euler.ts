/**
 * Euler sampling of a rectified-flow (flow matching) model, as diffusers'
 * `FlowMatchEulerDiscreteScheduler` with a static shift:
 * https://github.com/huggingface/diffusers/blob/main/src/diffusers/schedulers/scheduling_flow_match_euler_discrete.py
 * The model predicts a velocity v = noise − data; x moves from σ = 1 (noise) to σ = 0 (data).
 */

/**
 * Where the steps fall before the shift. `linspace` is the scheduler's own default in diffusers: n points
 * from σ 1 to 1/T, then 0, so the last step only goes from 1/T to 0 and a 4-step schedule denoises in 3
 * (1 → 0.67 → 0.33 → 0.001). `trailing` is σ = 1 − i/n (1 → 0.75 → 0.5 → 0.25 → 0), what diffusers' SD3 and
 * FLUX pipelines pass as `sigmas`, and what our PyTorch sampler (`train/sample.py`) always used.
 */
export type TimestepSpacing = 'linspace' | 'trailing';

/** Configuration, from the manifest's `scheduler` block. */
export interface FlowMatchEulerConfig {
  /** Static timestep shift; > 1 spends more steps at high noise (SD3, Wan use 3–5 for video). */
  shift: number;
  numTrainTimesteps: number;
  /** `linspace` when absent, as packages written before the option. */
  spacing?: TimestepSpacing;
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
    const { numTrainTimesteps: T, spacing = 'linspace' } = this.config;
    const n = numInferenceSteps;
    let linear: number[];
    if (spacing === 'trailing') linear = Array.from({ length: n }, (_, i) => 1 - i / n);
    else {
      // Like diffusers: the end points are the shifted training σ range (1 and shift(1/T)), the linspace
      // between them is shifted once more. Keeping this detail keeps our schedules equal to diffusers'.
      const sigmaMax = this.shiftSigma(1);
      const sigmaMin = this.shiftSigma(1 / T);
      linear = Array.from({ length: n }, (_, i) =>
        n === 1 ? sigmaMax : sigmaMax + ((sigmaMin - sigmaMax) * i) / (n - 1),
      );
    }
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
