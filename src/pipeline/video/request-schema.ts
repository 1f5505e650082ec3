/**
 * Schemas for what the UI sends the generate worker. Comlink delivers whatever the page posts, so
 * the worker checks each request here before it touches the pipeline; then it trusts the types.
 */
import { z } from 'zod';
import { InvalidParamsError } from '../../shared/errors';
import type { GenerateRequest } from '../../shared/protocol';
import type { EncoderChoice } from './encode-options';

const paramsSchema = z
  .object({
    prompt: z.string().max(2000),
    negative_prompt: z.string().max(2000),
    width: z.number().int().positive().max(4096),
    height: z.number().int().positive().max(4096),
    num_frames: z.number().int().positive().max(1024),
    num_inference_steps: z.number().int().min(1).max(200),
    guidance_scale: z.number().min(0).max(50),
    seed: z.number().int().min(0).max(0xffffffff),
    frames_per_second: z.number().int().min(1).max(60),
  })
  .strict();

/** A generation request as the worker accepts it. */
export const generateRequestSchema = z
  .object({
    jobId: z.string().min(1).max(100),
    modelUrl: z.string().min(1).max(2000),
    device: z.enum(['auto', 'webgpu', 'wasm']),
    params: paramsSchema,
  })
  .strict() satisfies z.ZodType<GenerateRequest>;

/** Options of a video job beyond the request itself. */
export const encodeChoiceSchema = z
  .object({ encoder: z.enum(['auto', 'webcodecs', 'ffmpeg.wasm']).default('auto') })
  .strict()
  .default({ encoder: 'auto' });

/** Parses an untrusted request, or throws an `InvalidParamsError` naming every bad field. */
export function parseGenerateRequest(value: unknown): GenerateRequest {
  const parsed = generateRequestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'} ${i.message}`);
  const field = parsed.error.issues[0]?.path.at(-1);
  throw new InvalidParamsError(
    `The generate request is malformed: ${problems.join('; ')}.`,
    typeof field === 'string' ? field : undefined,
  );
}

/** Parses the job options, defaulting to the automatic encoder choice. */
export function parseEncodeChoice(value: unknown): { encoder: EncoderChoice } {
  const parsed = encodeChoiceSchema.safeParse(value ?? undefined);
  if (parsed.success) return parsed.data;
  throw new InvalidParamsError(
    `The job options are malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}.`,
    'encoder',
  );
}
