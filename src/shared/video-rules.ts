/** Resolution and frame-count rules shared by the UI, the worker, the pipeline and the server. */

/** Phosor's accepted resolution presets: only these exact pairs. */
export const PHOSOR_RESOLUTIONS = [
  { width: 854, height: 480, maxFrames: 161, label: '480p landscape', tier: '480p' },
  { width: 480, height: 854, maxFrames: 161, label: '480p portrait', tier: '480p' },
  { width: 1280, height: 720, maxFrames: 161, label: '720p landscape', tier: '720p' },
  { width: 720, height: 1280, maxFrames: 161, label: '720p portrait', tier: '720p' },
  { width: 1920, height: 1080, maxFrames: 153, label: '1080p landscape', tier: '1080p' },
  { width: 1080, height: 1920, maxFrames: 153, label: '1080p portrait', tier: '1080p' },
] as const;

/** True when `n` is a frame count a causal VAE with this temporal compression can produce (`1 + c*k`, k ≥ 1). */
export function isAlignedFrameCount(n: number, temporalCompression = 4): boolean {
  return Number.isInteger(n) && n > 1 && (n - 1) % temporalCompression === 0;
}

/** The nearest aligned frame counts below and above `n`, for error messages that say what to use. */
export function nearestAlignedFrameCounts(n: number, temporalCompression = 4): [number, number] {
  const k = Math.max(1, Math.floor((n - 1) / temporalCompression));
  return [1 + k * temporalCompression, 1 + (k + 1) * temporalCompression];
}

/** Step, guidance and frame-rate limits of the API (Phosor's), shared by the UI's form, the worker and the server. */
export const PARAM_LIMITS = {
  minSteps: 1,
  maxSteps: 50,
  minGuidance: 1,
  maxGuidance: 3.5,
  minFps: 4,
  maxFps: 30,
  /** Phosor's `lora_scale`: 0 turns a LoRA off, 2 doubles it. */
  minLoraScale: 0,
  maxLoraScale: 2,
} as const;

const one = (n: number) => n.toFixed(1);

/**
 * What each numeric parameter must be, in the one wording the API's 400 answers (`field: rule; got x`),
 * the pipeline's errors and the playground's form (`Label: rule.`) all use, so a person sees the same
 * rule wherever they meet it. `guidance` takes the model's maximum: a model whose default is above 3.5
 * allows up to its default.
 */
export const PARAM_RULES = {
  num_inference_steps: `must be an integer from ${PARAM_LIMITS.minSteps} to ${PARAM_LIMITS.maxSteps} (Phosor uses 4)`,
  guidance_scale: (max: number = PARAM_LIMITS.maxGuidance) =>
    `must be a number from ${one(PARAM_LIMITS.minGuidance)} (guidance off) to ${one(max)}`,
  frames_per_second: `must be an integer from ${PARAM_LIMITS.minFps} to ${PARAM_LIMITS.maxFps}`,
  seed: 'must be an integer from 0 to 4294967295 (a uint32)',
  lora_scale: `must be a number from ${one(PARAM_LIMITS.minLoraScale)} to ${one(PARAM_LIMITS.maxLoraScale)} (1.0 applies the LoRA as trained)`,
} as const;

/** The largest width or height of a conditioning image (a 4096² RGBA image is 64 MiB). */
export const MAX_IMAGE_SIDE = 4096;
