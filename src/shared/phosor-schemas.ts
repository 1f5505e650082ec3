/**
 * The Phosor inference API's answers as zod schemas: the server documents them and the UI's REST client
 * parses answers with them. zod/mini, to keep classic zod out of the page's bundle (the OpenAPI document
 * reads them through `classicSchema`). The requests the server validates are in `phosor-requests.ts`,
 * apart, so the page does not carry them; for the same reason the fields' descriptions are added by the
 * OpenAPI document (`server/openapi/inference-paths.ts`), not here.
 */
import { z } from './zod-mini';

const int = () => z.number().check(z.int());

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
  progress: z.number().check(z.int(), z.gte(0), z.lte(100)),
  error: z.optional(z.object({ code: z.string(), message: z.string() })),
  queue_position: z.optional(z.number().check(z.int(), z.gte(1))),
  provider: z.optional(z.string()),
  eta_seconds: z.optional(z.number().check(z.int(), z.gte(0))),
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
export const jobEventSchema = z.extend(statusResponseSchema, {
  stage: z.enum(JOB_STAGES),
  step: z.number().check(z.int(), z.gte(0)),
  total_steps: z.number().check(z.int(), z.gte(1)),
  preview_step: z.optional(z.number().check(z.int(), z.gte(1))),
  preview_url: z.optional(z.string()),
});

/** Answer of our quote endpoint: what submit would run and charge, priced by the same code. */
export const quoteResponseSchema = z.object({
  model: z.string(),
  width: int(),
  height: int(),
  num_frames: int(),
  num_inference_steps: int(),
  credits: z.number(),
  route: z.array(z.string()),
  balance: z.number(),
  affordable: z.boolean(),
});

/** Answer of result: a URL to download without headers (signed, expiring) and the seed used. */
export const resultResponseSchema = z.object({
  data: z.object({
    video: z.object({ url: z.string() }),
    seed: int(),
    model: z.string(),
    provider: z.string(),
  }),
  request_id: z.string(),
});

/** One entry of the history: the job's state and the parameters it ran with. */
export const historyEntrySchema = z.object({
  request_id: z.string(),
  status: jobStatusSchema,
  progress: z.number().check(z.int(), z.gte(0), z.lte(100)),
  model: z.string(),
  prompt: z.string(),
  negative_prompt: z.string(),
  width: int(),
  height: int(),
  num_frames: int(),
  frames_per_second: int(),
  num_inference_steps: int(),
  guidance_scale: z.number(),
  seed: int(),
  image_url: z.nullable(z.string()),
  lora_id: z.nullable(z.string()),
  lora_scale: z.nullable(z.number()),
  credits: z.number(),
  error: z.nullable(z.object({ code: z.string(), message: z.string() })),
  created_at: z.string(),
  completed_at: z.nullable(z.string()),
  source: z.enum(['server', 'local']),
  client_id: z.nullable(z.string()),
  has_video: z.boolean(),
  provider: z.nullable(z.string()),
  updated_at: z.string(),
  deleted_at: z.nullable(z.string()),
  // Loose on purpose: a device checks a recipe entry by entry, so one it cannot read (a newer app's edit)
  // fails that clip only, never the page.
  recipe: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  clip_images: z.optional(z.array(z.string())),
});

/** Answer of `DELETE /api/v1/inference/history/{request_id}` (ours). */
export const historyDeletedSchema = z.object({ request_id: z.string(), deleted: z.literal(true) });

/** Answer of history: one page, newest first. */
export const historyResponseSchema = z.object({
  data: z.array(historyEntrySchema),
  page: int(),
  page_size: int(),
  total: int(),
  next_cursor: z.nullable(z.string()),
  synced_at: z.string(),
});
