/**
 * Checks a form's parameters against the chosen model before a job starts, with messages that say
 * what to use instead. The worker checks again (it must not trust the page); this is for fast feedback.
 */
import {
  PARAM_LIMITS as LIMITS,
  PARAM_RULES as RULES,
  isAlignedFrameCount,
  nearestAlignedFrameCounts,
} from '../../shared/video-rules';
import type { GenerateParams } from '../../shared/protocol';
import type { ModelChoice } from './catalog';

/** One problem with one field. */
export interface FieldError {
  field: keyof GenerateParams | 'device' | 'image' | 'lora' | 'lora_scale';
  message: string;
}

/** Every problem with `params` for `model`; empty when the job can start. */
export function validateParams(params: GenerateParams, model: ModelChoice): FieldError[] {
  const errors: FieldError[] = [];
  if (params.prompt.trim() === '') {
    errors.push({
      field: 'prompt',
      message: 'Type a prompt: describe the clip you want, e.g. "a red circle moving left".',
    });
  }
  const resolution = model.resolutions.find((r) => r.width === params.width && r.height === params.height);
  if (!resolution) {
    const supported = model.resolutions.map((r) => `${r.width}×${r.height}`).join(', ');
    errors.push({
      field: 'width',
      message: `${params.width}×${params.height} is not a resolution ${model.name} supports; use one of ${supported}.`,
    });
  }
  const n = params.num_frames;
  const tc = model.temporalCompression;
  if (!Number.isInteger(n) || n < model.minFrames) {
    errors.push({ field: 'num_frames', message: `Use at least ${model.minFrames} frames (a whole number).` });
  } else if (!isAlignedFrameCount(n, tc)) {
    const [below, above] = nearestAlignedFrameCounts(n, tc);
    errors.push({
      field: 'num_frames',
      message: `${n} frames cannot be made by this model: frame counts are 1 + ${tc}·k. The nearest valid values are ${below} and ${above}.`,
    });
  } else if (resolution && n > resolution.max_frames) {
    errors.push({
      field: 'num_frames',
      message: `${resolution.label} allows at most ${resolution.max_frames} frames.`,
    });
  }
  const steps = params.num_inference_steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > LIMITS.maxSteps) {
    errors.push({
      field: 'num_inference_steps',
      message: `Steps: ${RULES.num_inference_steps}.`,
    });
  }
  const maxGuidance = Math.max(LIMITS.maxGuidance, model.defaultGuidance);
  const g = params.guidance_scale;
  if (!(Number.isFinite(g) && g >= LIMITS.minGuidance && g <= maxGuidance)) {
    errors.push({
      field: 'guidance_scale',
      message: `Guidance: ${RULES.guidance_scale(maxGuidance)}.`,
    });
  }
  const fps = params.frames_per_second;
  if (!Number.isInteger(fps) || fps < LIMITS.minFps || fps > LIMITS.maxFps) {
    errors.push({
      field: 'frames_per_second',
      message: `FPS: ${RULES.frames_per_second}.`,
    });
  }
  if (!Number.isInteger(params.seed) || params.seed < 0 || params.seed > 0xffffffff) {
    errors.push({ field: 'seed', message: `Seed: ${RULES.seed}.` });
  }
  return errors;
}
