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

/** The largest width or height of a conditioning image (a 4096² RGBA image is 64 MiB). */
export const MAX_IMAGE_SIDE = 4096;
