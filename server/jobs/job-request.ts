/**
 * Turns a validated submit body into the job to run: model, full parameters (defaults from the model's
 * manifest where the model decides, Phosor's otherwise), aligned frame count, seed and price.
 */
import { randomInt } from 'node:crypto';
import { checkParams } from '../../src/pipeline/params';
import { InvalidParamsError } from '../../src/shared/errors';
import { alignFrameCount, type SubmitRequest } from '../../src/shared/phosor-requests';
import { jobCostMicro } from '../../src/shared/pricing';
import type { GenerateParams } from '../../src/shared/protocol';
import { HttpError } from '../http-error';
import type { ModelRegistry } from '../models/registry';
import { checkJobMemory } from './memory-check';
import { modelIdFor } from '../routes/models';
import { chooseModel, type ModelChoice } from './model-choice';

/** Phosor's defaults for what the model does not decide. */
export const PHOSOR_DEFAULTS = { width: 854, height: 480, num_frames: 81 } as const;

/** A submit body resolved against its model. */
export interface JobRequest extends ModelChoice {
  params: GenerateParams;
  costMicro: number;
  imageKey?: string;
  loraId?: string;
  loraScale?: number;
}

const invalid = (field: string, message: string) =>
  new HttpError(400, 'validation_error', `Invalid request: ${field}: ${message}.`);

/**
 * An image-to-video job needs `image_url`; a text-to-video id with one is refused rather than run
 * without the image or silently switched: like Phosor's Wan, image-to-video is its own model id.
 */
function checkImageForMode(choice: ModelChoice, imageKey: string | undefined): void {
  if (choice.mode === 'image-to-video' && !imageKey)
    throw invalid(
      'image_url',
      `is required by ${choice.modelId}; upload the first frame with POST /api/v1/storage/image/upload and send its key`,
    );
  if (choice.mode !== 'text-to-video' || !imageKey) return;
  const i2v = choice.model.manifest.modes.includes('image-to-video')
    ? `use model ${modelIdFor(choice.model, 'image-to-video')} to animate the image, or remove image_url`
    : 'remove image_url, or choose an image-to-video model (GET /api/v1/models)';
  throw invalid('image_url', `${choice.modelId} is text-to-video and takes no image; ${i2v}`);
}

/**
 * Resolves defaults, checks the resolution pair and the model's limits, aligns frames, draws a seed,
 * checks the job fits a worker's `memoryBudgetMb` (when given; an absent `num_frames` shrinks to what
 * fits), prices.
 */
export function resolveJobRequest(
  registry: ModelRegistry,
  body: SubmitRequest,
  memoryBudgetMb?: number,
  aliases = true,
): JobRequest {
  const choice = chooseModel(registry, body.model, Boolean(body.image_url), aliases);
  const m = choice.model.manifest;
  checkImageForMode(choice, body.image_url ?? undefined);
  // Phosor's 854×480 when the model has it; a model without it (a test fixture) defaults to its first size.
  const phosorDefault = m.resolutions.find(
    (r) => r.width === PHOSOR_DEFAULTS.width && r.height === PHOSOR_DEFAULTS.height,
  );
  const fallback = phosorDefault ?? m.resolutions[0]!;
  const width = body.width ?? fallback.width;
  const height = body.height ?? fallback.height;
  const resolution = m.resolutions.find((r) => r.width === width && r.height === height);
  if (!resolution) {
    const pairs = m.resolutions.map((r) => `${r.width}×${r.height}`).join(', ');
    throw invalid(
      'width, height',
      `${width}×${height} is not a supported resolution of ${choice.modelId}; use exactly one of ${pairs}`,
    );
  }
  const tc = m.latent.temporal_compression;
  const numFrames = alignFrameCount(
    body.num_frames ?? PHOSOR_DEFAULTS.num_frames,
    resolution.max_frames,
    tc,
    m.frames.min,
  );
  let params: GenerateParams = {
    prompt: body.prompt,
    negative_prompt: body.negative_prompt ?? '',
    width,
    height,
    num_frames: numFrames,
    num_inference_steps: body.num_inference_steps ?? m.scheduler.default_steps,
    guidance_scale: body.guidance_scale ?? m.scheduler.default_guidance_scale,
    seed: body.seed ?? randomInt(0, 2 ** 32),
    frames_per_second: body.frames_per_second ?? m.default_fps,
  };
  try {
    checkParams(m, params);
  } catch (error) {
    if (error instanceof InvalidParamsError) throw invalid(error.field ?? 'body', error.message.replace(/^\S+ /, ''));
    throw error;
  }
  if (memoryBudgetMb !== undefined)
    params = checkJobMemory(choice, params, memoryBudgetMb, { framesRequested: body.num_frames != null });
  const loraId = body.lora_id ?? undefined;
  return {
    ...choice,
    params,
    costMicro: jobCostMicro({ width, height, numFrames: params.num_frames, withLora: loraId !== undefined }),
    imageKey: body.image_url ?? undefined,
    loraId,
    loraScale: loraId === undefined ? undefined : (body.lora_scale ?? 1),
  };
}
