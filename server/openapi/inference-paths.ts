/** Phosor's inference endpoints, our cancel extension and the signed video download, in the OpenAPI registry. */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CLIP_IMAGE_SLOTS } from '../../src/shared/clip-recipe';
import {
  historyQuerySchema,
  localRecordSchema,
  submitRequestSchema,
  webhookDeliveriesSchema,
} from '../../src/shared/phosor-requests';
import {
  historyDeletedSchema,
  historyEntrySchema,
  historyResponseSchema,
  jobEventSchema,
  quoteResponseSchema,
  resultResponseSchema,
  statusResponseSchema,
  submitResponseSchema,
} from '../../src/shared/phosor-schemas';
import {
  authErrors,
  classicObject,
  described,
  errors,
  exampleOf,
  idempotencyHeader,
  named,
  idParam,
  json,
  withApiKey,
} from './common';

const syncedSchema = z.object({ request_id: z.string(), client_id: z.string(), created: z.boolean() });
const requestId = idParam('request_id', 'The job id submit answered (`job_…`).');

const statusDoc = described(classicObject(statusResponseSchema), {
  queue_position: 'While queued: 1 when a worker takes this job next.',
  provider: 'Ours: who runs the job now, or ran it (`local` is this server, else an upstream’s name).',
  eta_seconds:
    'While queued or processing: seconds until the job should be done, from the speed of the server’s recent jobs; absent before any job has completed.',
});

const jobEventDoc = described(classicObject(jobEventSchema).extend(statusDoc.shape), {
  stage: 'What the job is doing.',
  step: 'Denoising steps finished.',
  preview_step: 'The step of the latest live preview.',
  preview_url:
    'The latest live preview (PNG, GET with your X-API-Key); absent until the first step, and on models without previews.',
});

const quoteDoc = described(classicObject(quoteResponseSchema), {
  num_frames: 'After alignment to the model’s frame rule.',
  credits: 'The price submit would charge now.',
  route: 'The providers that would be tried, in order.',
  balance: 'Your balance in credits.',
  affordable: 'Whether the balance covers the price (else submit answers 402).',
});

const result = classicObject(resultResponseSchema);
const resultDoc = result.extend({
  data: described(classicObject(result.shape.data), {
    model: 'Ours: the model that actually ran (Phosor ids are aliases).',
    provider: 'Ours: who ran it (`local` is this server, else an upstream’s name).',
  }),
});

/** History as documented: the shared schema with its fields' descriptions. */
const historyDoc = described(classicObject(historyResponseSchema), {
  next_cursor: 'Ours: pass as `cursor` for the next (older) page; null on the last page.',
  synced_at: 'Ours: pass as `since` next time to get only what changed after this answer (a few seconds overlap).',
}).extend({
  data: z.array(
    described(classicObject(historyEntrySchema), {
      source: 'Ours: `local` for a clip made in a browser and synced.',
      client_id: 'Ours: the id the browser gave a synced clip.',
      has_video: 'Ours: whether the server holds the MP4 (result answers it).',
      provider: 'Ours: who ran it, once completed.',
      updated_at: 'Ours: when the entry last changed (sync with `since`).',
      deleted_at:
        'Ours: when its owner deleted it; only a sync (`since`) lists deleted entries, so devices drop them too.',
      recipe:
        'Ours: a synced clip’s recipe beyond its parameters, as recorded: `sourceId` (the clip it was edited or extended from), `edits` (each step since generation), `lora` (`name`, `scale`).',
      clip_images:
        'Ours: the slots (`image`, `last_image`) of its conditioning images the server holds; GET /api/v1/inference/history/{request_id}/images/{slot}.',
    }),
  ),
});

/** Registers the inference routes. */
export function registerInferencePaths(registry: OpenAPIRegistry): void {
  const tags = ['Inference'];
  const submit = named(registry, 'SubmitRequest', submitRequestSchema, {
    example: exampleOf(submitRequestSchema),
  });
  const status = named(registry, 'StatusResponse', statusDoc);
  registry.registerPath({
    method: 'post',
    path: '/api/v1/inference/submit',
    summary: 'Submit a video generation job',
    description:
      'Absent or null fields take the model’s defaults; unknown fields are ignored. The price is charged now.',
    tags,
    security: withApiKey,
    request: {
      headers: idempotencyHeader,
      body: { required: true, ...json(submit, 'The job’s parameters (Phosor’s names).') },
    },
    responses: {
      200: json(named(registry, 'SubmitResponse', classicObject(submitResponseSchema)), 'The job is queued.'),
      ...errors({ 409: true, 413: true, 422: true }),
      ...authErrors({
        400: 'A field breaks a rule (`validation_error`), or the job needs more memory than a worker may use (`job_too_large`, naming the limit and the largest size that fits; nothing charged).',
        402: true,
        404: 'The `image_url` or `lora_id` is not one of yours (`image_not_found`, `lora_not_found`).',
        503: 'The queue is at capacity (`queue_full`) or the server has no model (`no_models`).',
      }),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/inference/quote',
    summary: 'Price a job without submitting it (not in Phosor)',
    description:
      'Takes a submit body and answers what submit would run and charge, priced and checked by the same code; nothing is charged.',
    tags,
    security: withApiKey,
    request: { body: { required: true, ...json(submit, 'The job’s parameters, as for submit.') } },
    responses: {
      200: json(named(registry, 'QuoteResponse', quoteDoc), 'The price and your balance.'),
      ...authErrors({
        400: 'A field breaks a rule (`validation_error`) or the job is too large (`job_too_large`).',
        404: 'The `image_url` or `lora_id` is not one of yours (`image_not_found`, `lora_not_found`).',
        503: 'The server has no model (`no_models`).',
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/status/{request_id}',
    summary: 'Get a job’s status and progress',
    tags,
    security: withApiKey,
    request: { params: requestId },
    responses: {
      200: json(status, 'The job’s state; `error` when it failed.'),
      ...authErrors({ 404: 'No such job among yours (`job_not_found`).' }),
    },
  });
  const clientId = idParam('client_id', 'The id the browser gave the clip (8–64 letters, digits, - or _).');
  registry.registerPath({
    method: 'put',
    path: '/api/v1/inference/history/{client_id}',
    summary: 'Record a clip made in the browser in your history (not in Phosor)',
    description: 'Free and idempotent by `client_id`: a retry answers the same entry (200) instead of a new one (201).',
    tags,
    security: withApiKey,
    request: { params: clientId, body: { required: true, ...json(localRecordSchema, 'The clip’s recipe.') } },
    responses: {
      200: json(syncedSchema, 'Already recorded: the same entry.'),
      201: json(syncedSchema, 'Recorded.'),
      ...authErrors({ 400: true }),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/inference/history/{client_id}/video',
    summary: 'Upload the MP4 of a recorded browser clip, once (not in Phosor)',
    tags,
    security: withApiKey,
    request: {
      params: clientId,
      body: {
        required: true,
        description: 'The MP4 (≤ 256 MiB).',
        content: { 'video/mp4': { schema: z.string().meta({ format: 'binary' }) } },
      },
    },
    responses: {
      200: json(
        z.object({ request_id: z.string(), stored: z.boolean() }),
        '`stored` false when it already had its MP4.',
      ),
      ...authErrors({ 400: true, 404: 'No recorded clip with this client id among yours (`not_found`).', ...{} }),
      ...errors({ 413: true }),
    },
  });
  const slot = z.object({
    slot: z.enum(CLIP_IMAGE_SLOTS).meta({ description: '`image` (the first frame) or `last_image` (the last).' }),
  });
  const binary = z.string().meta({ format: 'binary' });
  registry.registerPath({
    method: 'put',
    path: '/api/v1/inference/history/{client_id}/images/{slot}',
    summary: 'Upload a conditioning image of a recorded browser clip, once per slot (not in Phosor)',
    description:
      'Send it before the MP4: a device downloads a clip once its MP4 is there, and takes the images its entry lists then.',
    tags,
    security: withApiKey,
    request: {
      params: clientId.extend(slot.shape),
      body: {
        required: true,
        description: 'A PNG, JPEG or WebP (by its bytes, whatever the Content-Type), ≤ 10 MiB.',
        content: { 'application/octet-stream': { schema: binary } },
      },
    },
    responses: {
      200: json(
        z.object({ request_id: z.string(), slot: z.string(), stored: z.boolean() }),
        '`stored` false when the slot already had its image.',
      ),
      ...authErrors({
        400: 'Not a PNG, JPEG or WebP (`invalid_image`), or a bad slot or client id.',
        404: 'No recorded clip with this client id among yours (`not_found`).',
      }),
      ...errors({ 413: true }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/history/{request_id}/images/{slot}',
    summary: 'Get a conditioning image of a synced clip (not in Phosor)',
    tags,
    security: withApiKey,
    request: { params: requestId.extend(slot.shape) },
    responses: {
      200: {
        description: 'The image as uploaded.',
        content: Object.fromEntries(['image/png', 'image/jpeg', 'image/webp'].map((t) => [t, { schema: binary }])),
      },
      ...authErrors({
        400: 'A bad slot.',
        404: 'No such job among yours (`job_not_found`), or no image in that slot (`not_found`).',
      }),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/inference/history/{request_id}',
    summary: 'Delete a finished job from your history, on every device (not in Phosor)',
    description:
      'Removes its MP4 and hides it from history, status and result; a sync (`since`) still lists it with `deleted_at`, so other devices delete their copies. No refund.',
    tags,
    security: withApiKey,
    request: { params: requestId },
    responses: {
      200: json(named(registry, 'HistoryDeleted', classicObject(historyDeletedSchema)), 'Deleted.'),
      ...authErrors({
        404: 'No such job among yours, or already deleted (`job_not_found`).',
        409: 'The job is queued or running: cancel it first (`job_active`).',
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/webhooks/{request_id}',
    summary: 'See every delivery of a job’s webhook and each attempt (not in Phosor)',
    tags,
    security: withApiKey,
    request: { params: requestId },
    responses: {
      200: json(named(registry, 'WebhookDeliveries', webhookDeliveriesSchema), 'Deliveries, oldest first.'),
      ...authErrors({ 404: 'No such job among yours (`job_not_found`).' }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/events/{request_id}',
    summary: 'Follow a job’s progress as Server-Sent Events (not in Phosor)',
    description:
      'An event (`id`, `event`: the status, `data`: JSON) whenever what status answers changes, with the stage and denoising step; the stream ends after `completed` or `failed`. Reconnect with `Last-Event-ID` to get only what changed since. After each denoising step `preview_url` points at a small PNG of the clip so far.',
    tags,
    security: withApiKey,
    request: { params: requestId, headers: z.object({ 'Last-Event-ID': z.string().optional() }) },
    responses: {
      200: {
        description: 'The event stream; each `data` line is a JobEvent.',
        content: { 'text/event-stream': { schema: named(registry, 'JobEvent', jobEventDoc) } },
      },
      204: { description: 'The job is finished and `Last-Event-ID` is its final event: nothing more will come.' },
      ...authErrors({ 404: 'No such job among yours (`job_not_found`).' }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/preview/{request_id}',
    summary: 'Get the latest live preview of a job (not in Phosor)',
    description:
      'A small PNG of the clip as it stands after the denoising step in `X-Preview-Step`, from the model’s latents mapped to RGB without the VAE (models with `latent.preview_rgb`). The events stream links each new one.',
    tags,
    security: withApiKey,
    request: {
      params: requestId,
      query: z.object({ step: z.string().optional().meta({ description: 'Ignored: makes each step’s URL unique.' }) }),
    },
    responses: {
      200: { description: 'The PNG.', content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } } },
      ...authErrors({ 404: 'No such job among yours (`job_not_found`), or no preview yet (`no_preview`).' }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/result/{request_id}',
    summary: 'Get a completed job’s video URL and seed',
    tags,
    security: withApiKey,
    request: { params: requestId },
    responses: {
      200: json(named(registry, 'ResultResponse', resultDoc), 'A signed URL (1 h) and the seed used.'),
      ...authErrors({
        400: 'The job is not completed (`job_not_completed`) or failed (`job_failed`).',
        404: 'No such job among yours (`job_not_found`).',
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/history',
    summary: 'List your jobs, newest first',
    tags,
    security: withApiKey,
    request: { query: historyQuerySchema },
    responses: {
      200: json(named(registry, 'HistoryResponse', historyDoc), 'One page of jobs.'),
      ...authErrors({ 400: true }),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/inference/cancel/{request_id}',
    summary: 'Cancel a queued or processing job (ours, not Phosor’s)',
    description: 'The job fails with `error.code` `cancelled` and its price is refunded.',
    tags,
    security: withApiKey,
    request: { params: requestId },
    responses: {
      200: json(status, 'The job, now failed with code `cancelled`.'),
      ...authErrors({
        400: 'The job has already ended (`job_not_active`).',
        404: 'No such job among yours (`job_not_found`).',
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/inference/video/{request_id}',
    summary: 'Download a completed video (the URL result answers)',
    description: 'No `X-API-Key`: the URL’s signature is the permission. `Range` requests are supported.',
    tags,
    request: {
      params: requestId,
      query: z.object({
        expires: z.string().meta({ description: 'Unix time the URL expires at.' }),
        signature: z.string().meta({ description: 'The URL’s HMAC.' }),
      }),
    },
    responses: {
      200: { description: 'The MP4.', content: { 'video/mp4': { schema: z.string().meta({ format: 'binary' }) } } },
      206: { description: 'The requested byte range of the MP4.' },
      ...errors({
        403: 'The signature is invalid (`invalid_signature`) or the URL expired (`url_expired`).',
        404: 'No completed video for this job (`job_not_found`).',
      }),
    },
  });
}
