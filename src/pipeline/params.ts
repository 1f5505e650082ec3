/** Generation parameters: defaults from a model's manifest, and checks that say what to use instead. */
import { InvalidParamsError } from '../shared/errors';
import type { GenerateParams } from '../shared/protocol';
import { PARAM_LIMITS, PARAM_RULES, isAlignedFrameCount, nearestAlignedFrameCounts } from '../shared/video-rules';

export { PARAM_LIMITS };
import type { ModelManifest } from './model-package/manifest';

/** Fills absent parameters from the manifest; a missing seed becomes a fresh random uint32. */
export function resolveParams(manifest: ModelManifest, partial: Partial<GenerateParams>): GenerateParams {
  const resolution = manifest.resolutions[0]!;
  return {
    prompt: partial.prompt ?? '',
    negative_prompt: partial.negative_prompt ?? '',
    width: partial.width ?? resolution.width,
    height: partial.height ?? resolution.height,
    num_frames: partial.num_frames ?? manifest.frames.default,
    num_inference_steps: partial.num_inference_steps ?? manifest.scheduler.default_steps,
    guidance_scale: partial.guidance_scale ?? manifest.scheduler.default_guidance_scale,
    seed: partial.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!,
    frames_per_second: partial.frames_per_second ?? manifest.default_fps,
  };
}

/** Throws `InvalidParamsError` (with `field`) at the first parameter this model cannot take. */
export function checkParams(manifest: ModelManifest, params: GenerateParams): void {
  const fail = (field: keyof GenerateParams, message: string): never => {
    throw new InvalidParamsError(`${field} ${message}`, field);
  };
  const isInt = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;

  if (typeof params.prompt !== 'string' || params.prompt.trim() === '')
    fail('prompt', 'must not be empty: describe the video to generate.');

  const resolution = manifest.resolutions.find((r) => r.width === params.width && r.height === params.height);
  if (!resolution) {
    const accepted = manifest.resolutions.map((r) => `${r.width}×${r.height}`).join(', ');
    fail(
      'width',
      `×height ${params.width}×${params.height} is not a resolution of ${manifest.id}; use one of ${accepted}.`,
    );
  }

  const tc = manifest.latent.temporal_compression;
  const frames = params.num_frames;
  if (!isAlignedFrameCount(frames, tc)) {
    const [below, above] = nearestAlignedFrameCounts(Number.isFinite(frames) ? frames : 1, tc);
    fail(
      'num_frames',
      `must be 1 + ${tc}k (the VAE compresses time ${tc}×); ${frames} is not: use ${below} or ${above}.`,
    );
  }
  if (frames < manifest.frames.min) fail('num_frames', `must be at least ${manifest.frames.min}; got ${frames}.`);
  if (frames > resolution!.max_frames)
    fail('num_frames', `must be at most ${resolution!.max_frames} at ${resolution!.label}; got ${frames}.`);

  const { minSteps, maxSteps, minGuidance, minFps, maxFps } = PARAM_LIMITS;
  if (!isInt(params.num_inference_steps, minSteps, maxSteps)) {
    fail('num_inference_steps', `${PARAM_RULES.num_inference_steps}; got ${params.num_inference_steps}.`);
  }
  const maxGuidance = Math.max(PARAM_LIMITS.maxGuidance, manifest.scheduler.default_guidance_scale);
  const g = params.guidance_scale;
  if (!(Number.isFinite(g) && g >= minGuidance && g <= maxGuidance)) {
    fail('guidance_scale', `${PARAM_RULES.guidance_scale(maxGuidance)}; got ${g}.`);
  }
  if (!isInt(params.frames_per_second, minFps, maxFps)) {
    fail('frames_per_second', `${PARAM_RULES.frames_per_second}; got ${params.frames_per_second}.`);
  }
  if (!isInt(params.seed, 0, 0xffffffff)) fail('seed', `${PARAM_RULES.seed}; got ${params.seed}.`);
}
