/**
 * The Phosor inference API's answers as zod schemas: the server documents them and the UI's REST client
 * parses answers with them. The requests the server validates are in `phosor-requests.ts`, apart, so the
 * page does not carry them (zod calls are not tree-shaken); for the same reason the fields' descriptions
 * are added by the OpenAPI document (`server/openapi/inference-paths.ts`), not here.
 */
import { z } from 'zod';

/** Phosor's job states. */
export const jobStatusSchema = z.enum(['queued', 'processing', 'completed', 'failed']);

/** A job state. */
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** Answer of submit: the job's id and `queued`. */
export const submitResponseSchema = z.object({ request_id: z.string(), status: z.literal('queued') });

/** Answer of status; `error`, `queue_position` and `eta_seconds` are ours (Phosor clients ignore them). */
export const statusResponseSchema = z.object({
  request_id: z.string(),
  status: jobStatusSchema,
  progress: z.number().int().min(0).max(100),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  queue_position: z.number().int().min(1).optional(),
  provider: z.string().optional(),
  eta_seconds: z.number().int().min(0).optional(),
});

/** What a job is doing, in order, as the events stream names it. */
export const JOB_STAGES = [
  'queued',
  'loading',
  'encoding_prompt',
  'denoising',
  'decoding',
  'encoding_video',
  'storing',
  'completed',
  'failed',
] as const;

/** One of JOB_STAGES. */
export type JobStage = (typeof JOB_STAGES)[number];

/** The data of one event of our events stream (`GET /inference/events/{id}`); the event's name is `status`'s value. */
export const jobEventSchema = statusResponseSchema.extend({
  stage: z.enum(JOB_STAGES),
  step: z.number().int().min(0),
  total_steps: z.number().int().min(1),
  preview_step: z.number().int().min(1).optional(),
  preview_url: z.string().optional(),
});

/** Answer of our quote endpoint: what submit would run and charge, priced by the same code. */
export const quoteResponseSchema = z.object({
  model: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  num_frames: z.number().int(),
  num_inference_steps: z.number().int(),
  credits: z.number(),
  route: z.array(z.string()),
  balance: z.number(),
  affordable: z.boolean(),
});

/** Answer of result: a URL to download without headers (signed, expiring) and the seed used. */
export const resultResponseSchema = z.object({
  data: z.object({
    video: z.object({ url: z.string() }),
    seed: z.number().int(),
    model: z.string(),
    provider: z.string(),
  }),
  request_id: z.string(),
});

/** One entry of the history: the job's state and the parameters it ran with. */
export const historyEntrySchema = z.object({
  request_id: z.string(),
  status: jobStatusSchema,
  progress: z.number().int().min(0).max(100),
  model: z.string(),
  prompt: z.string(),
  negative_prompt: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  num_frames: z.number().int(),
  frames_per_second: z.number().int(),
  num_inference_steps: z.number().int(),
  guidance_scale: z.number(),
  seed: z.number().int(),
  image_url: z.string().nullable(),
  lora_id: z.string().nullable(),
  lora_scale: z.number().nullable(),
  credits: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  source: z.enum(['server', 'local']),
  client_id: z.string().nullable(),
  has_video: z.boolean(),
  provider: z.string().nullable(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
  // Loose on purpose: a device checks a recipe entry by entry, so one it cannot read (a newer app's edit)
  // fails that clip only, never the page.
  recipe: z.record(z.string(), z.unknown()).nullable().optional(),
  clip_images: z.array(z.string()).optional(),
});

/** Answer of `DELETE /api/v1/inference/history/{request_id}` (ours). */
export const historyDeletedSchema = z.object({ request_id: z.string(), deleted: z.literal(true) });

/** Answer of history: one page, newest first. */
export const historyResponseSchema = z.object({
  data: z.array(historyEntrySchema),
  page: z.number().int(),
  page_size: z.number().int(),
  total: z.number().int(),
  next_cursor: z.string().nullable(),
  synced_at: z.string(),
});
