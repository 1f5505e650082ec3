/**
 * The Phosor inference API's shapes only the server needs, as zod schemas: the bodies and queries it
 * validates, and the answers only it documents (errors, webhook deliveries). The answers the UI parses
 * are in `phosor-schemas.ts`. Messages name the rule and what was sent, and the server prefixes them with
 * the field (`num_frames: must be …`).
 */
import { z } from 'zod';
import { clipRecipeSchema, MAX_RECIPE_JSON_CHARS } from './clip-recipe';
import { PARAM_LIMITS, PARAM_RULES } from './video-rules';

/** Fewest frames a job generates: the smallest 1 + 4k with k ≥ 1. */
export const MIN_FRAMES = 5;

/** The frame-alignment rule as clients read it in docs and 400 messages. */
export const FRAME_RULE =
  "auto-aligned to 1 + 4k: rounded to the nearest such count (halfway rounds up), at least 5, at most the resolution's maximum (161; 153 at 1080p)";

/**
 * Aligns a requested frame count to `1 + tc·k`: nearest, ties up, then clamped to [minFrames, maxFrames]
 * (both aligned downwards/upwards first, so the result is always a count the VAE can produce).
 */
export function alignFrameCount(
  requested: number,
  maxFrames: number,
  temporalCompression = 4,
  minFrames = MIN_FRAMES,
): number {
  const tc = temporalCompression;
  const k = Math.floor((requested - 1) / tc + 0.5);
  const lowest = 1 + tc * Math.max(1, Math.ceil((minFrames - 1) / tc));
  const highest = 1 + tc * Math.floor((maxFrames - 1) / tc);
  return Math.min(Math.max(1 + tc * k, lowest), highest);
}

const shown = (input: unknown): string => (input === undefined ? 'nothing' : (JSON.stringify(input) ?? String(input)));

/** A number in [min, max] (an integer when `int`); null counts as absent, as some clients send it. */
function requiredNumberIn(min: number, max: number, rule: string, int = false) {
  const error = (iss: { input?: unknown }) => `${rule}; got ${shown(iss.input)}`;
  const base = z.number({ error });
  return (int ? base.int({ error }) : base).min(min, { error }).max(max, { error });
}

function numberIn(min: number, max: number, rule: string, int = false) {
  return requiredNumberIn(min, max, rule, int).nullish();
}

/** A non-blank string of at most `max` characters, trimmed. */
const text = (max: number, rule: string) =>
  z
    .string({ error: (iss) => `${rule}; got ${shown(iss.input)}` })
    .trim()
    .min(1, { error: `${rule}; got a blank string` })
    .max(max, { error: `${rule} of at most ${max} characters` });

/** The job events a webhook can ask for. */
export const WEBHOOK_EVENTS = ['processing', 'completed', 'failed'] as const;

/** Ours, not Phosor's: where to POST the job's events, signed with `secret` (docs/webhooks.md). */
export const webhookSchema = z
  .object({
    url: text(2048, 'must be the https URL to POST the job events to'),
    secret: z
      .string({ error: (iss) => `must be a string of 16 to 256 characters; got ${shown(iss.input)}` })
      .min(16, { error: 'must be at least 16 characters (it signs the deliveries)' })
      .max(256, { error: 'must be at most 256 characters' }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS, { error: `must each be one of ${WEBHOOK_EVENTS.join(', ')}` }))
      .min(1, { error: 'must name at least one event' })
      .max(3)
      .optional()
      .meta({ default: ['completed', 'failed'] }),
  })
  .meta({ description: 'Not in Phosor: job events POSTed to your URL, signed with HMAC-SHA256.' });

const providerNames = (field: string) =>
  z
    .array(text(32, `must name providers of this server (local or an upstream's name)`), {
      error: (iss) => `must be an array of provider names; got ${shown(iss.input)}`,
    })
    .max(16, { error: `must name at most 16 providers` })
    .nullish()
    .meta({ description: field });

/** Routing preferences between this server's workers and its upstreams (the gateway API's). */
export const providerPrefsSchema = z
  .object({
    order: providerNames('Tried first, in this order; the others follow.'),
    only: providerNames('Only these may run the job.'),
    ignore: providerNames('These may not run the job.'),
    allow_fallbacks: z
      .boolean({ error: (iss) => `must be true or false; got ${shown(iss.input)}` })
      .nullish()
      .meta({ default: true, description: 'False: only the first provider is tried.' }),
  })
  .meta({
    description:
      'Not in Phosor: which providers may run the job (`local` is this server; upstreams are named in its configuration). A provider that fails or is at capacity hands the job to the next one.',
  });

/** Body of `POST /api/v1/inference/submit`; absent fields take the model's defaults. Unknown fields are ignored. */
export const submitRequestSchema = z.object({
  prompt: text(4000, 'is required: a non-blank string describing the video').meta({ example: 'a red ball rolling' }),
  model: text(200, 'must be a model_id from GET /api/v1/models')
    .nullish()
    .meta({ description: "Default: the server's text-to-video model; Phosor's ids are aliases of it" }),
  width: numberIn(1, 8192, 'must be an integer width of a supported resolution', true).meta({ default: 854 }),
  height: numberIn(1, 8192, 'must be an integer height of a supported resolution', true).meta({ default: 480 }),
  num_frames: numberIn(1, 100_000, `must be a whole number of frames, ${FRAME_RULE}`, true).meta({
    default: 81,
    description: FRAME_RULE,
  }),
  frames_per_second: numberIn(PARAM_LIMITS.minFps, PARAM_LIMITS.maxFps, PARAM_RULES.frames_per_second, true).meta({
    default: 16,
  }),
  num_inference_steps: numberIn(
    PARAM_LIMITS.minSteps,
    PARAM_LIMITS.maxSteps,
    PARAM_RULES.num_inference_steps,
    true,
  ).meta({ default: 4 }),
  guidance_scale: numberIn(
    PARAM_LIMITS.minGuidance,
    PARAM_LIMITS.maxGuidance,
    PARAM_RULES.guidance_scale(),
    false,
  ).meta({ default: 1 }),
  seed: numberIn(0, 4_294_967_295, PARAM_RULES.seed, true).meta({
    description: 'Default: drawn at random',
  }),
  negative_prompt: z
    .string({ error: (iss) => `must be a string; got ${shown(iss.input)}` })
    .max(4000, { error: 'must be at most 4000 characters' })
    .nullish()
    .meta({ default: '' }),
  image_url: text(1024, 'must be the key of an image you uploaded (POST /api/v1/storage/image/upload)').nullish(),
  lora_id: text(200, 'must be the id of one of your LoRAs (GET /api/v1/loras)').nullish(),
  lora_scale: numberIn(PARAM_LIMITS.minLoraScale, PARAM_LIMITS.maxLoraScale, PARAM_RULES.lora_scale, false).meta({
    default: 1,
  }),
  webhook: webhookSchema.nullish(),
  provider: providerPrefsSchema.nullish(),
});

/** A validated submit body. */
export type SubmitRequest = z.infer<typeof submitRequestSchema>;

/** Ours: a clip made in the browser, recorded in its owner's history by its client id (`PUT /inference/history/{client_id}`). */
export const localRecordSchema = z.object({
  prompt: text(4000, 'is required: the prompt the clip was made from'),
  negative_prompt: z.string().max(4000).default(''),
  model: text(200, 'must be the id of the model that made the clip'),
  width: requiredNumberIn(1, 8192, 'must be the integer width of the clip', true),
  height: requiredNumberIn(1, 8192, 'must be the integer height of the clip', true),
  num_frames: requiredNumberIn(1, 100_000, 'must be the whole number of frames of the clip', true),
  frames_per_second: requiredNumberIn(1, 120, 'must be an integer from 1 to 120', true),
  num_inference_steps: requiredNumberIn(1, 1000, 'must be an integer from 1 to 1000', true),
  guidance_scale: requiredNumberIn(0, 100, 'must be a number from 0 to 100', false),
  seed: requiredNumberIn(0, 4_294_967_295, 'must be an integer from 0 to 4294967295 (a uint32)', true),
  created_at: z.iso.datetime({ error: 'must be an ISO 8601 date-time such as 2026-12-06T10:00:00Z' }).optional(),
  // `clipRecipeSchema` is zod/mini (the page parses recipes with it): its checks go through `.check()`.
  recipe: z
    .optional(
      clipRecipeSchema.check(
        z.refine((r) => JSON.stringify(r).length <= MAX_RECIPE_JSON_CHARS, {
          error: `must be at most ${MAX_RECIPE_JSON_CHARS} characters as JSON`,
        }),
      ),
    )
    .meta({
      description:
        'Ours: what the clip carries beyond its parameters (`sourceId`, `edits`, `lora`), handed back in history.',
    }),
});

/** A validated local record. */
export type LocalRecord = z.infer<typeof localRecordSchema>;

/** Query of history. */
export const historyQuerySchema = z.object({
  page: z.coerce
    .number({ error: 'must be an integer of at least 1' })
    .int()
    .min(1, { error: 'must be at least 1' })
    .default(1),
  page_size: z.coerce
    .number({ error: 'must be an integer from 1 to 100' })
    .int({ error: 'must be an integer from 1 to 100' })
    .min(1, { error: 'must be an integer from 1 to 100' })
    .max(100, { error: 'must be an integer from 1 to 100' })
    .default(20),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, { error: 'must be a next_cursor from an earlier history answer' })
    .optional()
    .meta({ description: 'Ours: the `next_cursor` of the previous page; replaces `page`.' }),
  since: z.iso
    .datetime({ error: 'must be an ISO 8601 date-time, e.g. the `synced_at` of your last sync' })
    .optional()
    .meta({ description: 'Ours: only entries that changed at or after this time.' }),
});

/** The one error shape of every non-2xx answer. */
export const errorResponseSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Answer of our `GET /inference/webhooks/{request_id}`: each delivery of the job's webhook and its attempts. */
export const webhookDeliveriesSchema = z.object({
  request_id: z.string(),
  deliveries: z.array(
    z.object({
      event_id: z
        .string()
        .meta({ description: 'Sent as Phosphene-Event-Id with every attempt: drop duplicates by it.' }),
      event: z.enum(WEBHOOK_EVENTS),
      status: z.enum(['pending', 'delivered', 'failed']),
      next_attempt_at: z.string().nullable(),
      attempts: z.array(
        z.object({
          attempt: z.number().int(),
          at: z.string(),
          http_status: z.number().int().nullable(),
          error: z.string().nullable(),
          duration_ms: z.number().int(),
        }),
      ),
    }),
  ),
});
