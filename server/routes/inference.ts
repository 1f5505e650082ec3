/**
 * Phosor's inference API: submit, status, result, history (behind `requireApiKey`), our cancel extension,
 * and the signed video download that result URLs point at (mounted before `requireApiKey`: Phosor clients
 * fetch the URL without headers).
 */
import express, { Router } from 'express';
import { historyQuerySchema, submitRequestSchema, type SubmitRequest } from '../../src/shared/phosor-requests';
import { microToCredits } from '../../src/shared/pricing';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { checkAssets, noStoredAssets, type AssetLookups } from '../jobs/asset-lookups';
import { JobNotCompletedError, JobNotFoundError } from '../jobs/errors';
import type { Job } from '../jobs/job';
import { resolveJobRequest } from '../jobs/job-request';
import { findJob, findUserJob, listUserJobs, submitJob } from '../jobs/job-store';
import { queueStanding, type QueueStanding } from '../jobs/queue-eta';
import { balance } from '../accounts/ledger';
import { cancelJob } from '../jobs/queue';
import type { VideoStorage } from '../jobs/video-storage';
import { databaseUrlSigner, DEFAULT_URL_TTL_S, type VideoUrlSigner } from '../jobs/video-url';
import type { ModelRegistry } from '../models/registry';
import { parseRequest, rejectUnstorableParam } from '../validation';
import type { WorkerState } from '../inference/worker-process';
import type { EventsOptions } from './inference-events';
import { UrlRefusedError } from '../net/errors';
import { checkStorageQuota, DEFAULT_STORAGE_QUOTA_BYTES } from '../storage/quota';
import { deliveriesOf, type JobWebhook } from '../webhooks/deliveries';
import { vetWebhookUrl, type WebhookNetOptions } from '../webhooks/send';
import { jsonFingerprint } from '../idempotency/header';
import { completeIdempotencyKey } from '../idempotency/keys';
import { respondIdempotently } from '../idempotency/respond';
import { currentProvider } from '../jobs/job';
import { routeJob } from '../jobs/job-route';
import { RecentJobs } from '../jobs/recent-jobs';
import { LOCAL_PROVIDER, type Upstream } from '../upstream/config';

/** What the inference routes need besides the database and the models. */
export interface InferenceOptions extends EventsOptions {
  storage: VideoStorage;
  /** Queued jobs accepted before submit answers 503 (default 100). */
  queueCapacity?: number;
  /** Image and LoRA lookups of the storage routes; without them no image_url or lora_id is found. */
  lookups?: AssetLookups;
  /** Lifetime of a result URL in seconds (default 3600). */
  urlTtlSeconds?: number;
  /**
   * Origin of result URLs (`https://api.example.com`, PUBLIC_URL; the server defaults it to its listen
   * address). Absent, result URLs are relative. Never taken from the request's Host or X-Forwarded-*
   * headers, which a client controls (`Host: evil.example` would otherwise sign a link to evil.example).
   */
  publicUrl?: string;
  /**
   * The memory an inference worker may use, in MB (WORKER_MEMORY_MB): a job planned above it is refused
   * at submit (400 `job_too_large`). Absent, nothing is refused for its size.
   */
  memoryBudgetMb?: number;
  /** What each user may store in all (default 10 GiB); a submit at or over it is refused. */
  storageQuotaBytes?: number;
  /** Whether Phosor's model ids run on our default model (MODEL_ALIASES, default on); see GET /models. */
  modelAliases?: boolean;
  /** Where webhooks may be delivered (public https addresses by default). */
  webhookNet?: WebhookNetOptions;
  /** This node's inference worker processes, for /system-info; absent on an API-only node. */
  workers?(): WorkerState[];
  /** Called once a job is queued, e.g. to wake the worker's claim loops. */
  onSubmitted?(job: Job): void;
  /** Signs result URLs; by default with a key kept in the database. */
  signer?: VideoUrlSigner;
  /**
   * How long a status poll may answer from a job read this long ago (STATUS_CACHE_MS in the server,
   * 500; absent here: every poll reads the database). See `jobs/recent-jobs.ts`.
   */
  statusCacheMs?: number;
  /** Other Phosor-compatible servers jobs may be forwarded to (UPSTREAMS); the workers need the same list. */
  upstreams?: readonly Upstream[];
}

const errorOf = (job: Job) =>
  job.status === 'failed' ? { code: job.errorCode ?? 'failed', message: job.errorMessage ?? '' } : undefined;

const statusJson = (job: Job, standing: QueueStanding = {}) => ({
  request_id: job.id,
  status: job.status,
  progress: job.progress,
  error: errorOf(job),
  provider: job.provider ?? currentProvider(job),
  queue_position: standing.queuePosition,
  eta_seconds: standing.etaSeconds,
});

const historyJson = (job: Job) => ({
  request_id: job.id,
  status: job.status,
  progress: job.progress,
  model: job.modelId,
  ...job.params,
  image_url: job.imageKey,
  lora_id: job.loraId,
  lora_scale: job.loraScale,
  credits: microToCredits(job.costMicro),
  error: errorOf(job) ?? null,
  created_at: job.createdAt.toISOString(),
  completed_at: job.finishedAt?.toISOString() ?? null,
  source: job.source,
  client_id: job.clientId,
  has_video: job.status === 'completed' && job.videoKey !== null && job.videoRemovedAt === null,
  provider: job.provider,
  updated_at: job.updatedAt.toISOString(),
  deleted_at: job.deletedAt?.toISOString() ?? null,
  // As recorded (checked then); each device checks it again against its own schema when it takes the clip.
  recipe: job.recipe,
  clip_images: job.clipImages,
});

/** Sync answers overlap by this much, so a change committed while the last answer was read is not missed. */
const SYNC_OVERLAP_MS = 5_000;

/** A submit's webhook, its URL vetted as deliveries will vet it, with the default events. */
async function checkWebhook(
  webhook: NonNullable<SubmitRequest['webhook']>,
  net: WebhookNetOptions | undefined,
): Promise<JobWebhook> {
  try {
    await vetWebhookUrl(webhook.url, net);
  } catch (error) {
    if (error instanceof UrlRefusedError) throw new HttpError(400, 'url_refused', `webhook.url: ${error.message}`);
    throw error;
  }
  const events = webhook.events ?? (['completed', 'failed'] as const);
  return { url: webhook.url, secret: webhook.secret, events: [...new Set(events)] };
}

const videoExpired = (job: Job) =>
  new HttpError(
    410,
    'video_expired',
    `The video of job ${job.id} was removed on ${job.videoRemovedAt!.toISOString()} (videos are kept for a limited time); submit the job again with seed ${job.params.seed} to make it anew.`,
  );

const signerFor = (db: Database, options: InferenceOptions) => options.signer ?? databaseUrlSigner(db);

/** The authenticated inference routes; mount behind `requireApiKey`. */
export function inferenceRouter(db: Database, registry: ModelRegistry, options: InferenceOptions): Router {
  const router = Router();
  router.param('request_id', rejectUnstorableParam);
  const signer = signerFor(db, options);
  const recent = new RecentJobs(options.statusCacheMs ?? 0, db.writes);
  const ownJob = async (res: express.Response, id: string): Promise<Job> => {
    const job = await findUserJob(db, authOf(res).user.id, id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  };
  const origin = () => options.publicUrl?.replace(/\/$/, '') ?? '';
  /** What submit runs and charges for `body` (quote answers the same); assets first: an unknown image or LoRA is 404. */
  const resolveFor = async (userId: string, body: SubmitRequest) => {
    await checkAssets(db, options.lookups ?? noStoredAssets, userId, {
      imageKey: body.image_url ?? undefined,
      loraId: body.lora_id ?? undefined,
    });
    const aliases = options.modelAliases ?? true;
    const { route, upstreamOnly } = routeJob(registry, body, options.upstreams ?? [], aliases);
    // A job no local worker will run is not held to a local worker's memory.
    const local = !route || route.includes(LOCAL_PROVIDER);
    const resolved = resolveJobRequest(
      registry,
      upstreamOnly ? { ...body, model: undefined } : body,
      local ? options.memoryBudgetMb : undefined,
      aliases,
    );
    const requestedModel = body.model ?? undefined;
    return {
      ...resolved,
      route,
      requestedModel,
      localModel: resolved.modelId,
      // Recorded under what will run first: the id the client asked an upstream for, else ours.
      modelId: route && route[0] !== LOCAL_PROVIDER && requestedModel ? requestedModel : resolved.modelId,
    };
  };

  router.post('/inference/submit', express.json({ limit: '64kb' }), async (req, res) => {
    const body = parseRequest(submitRequestSchema, req.body ?? {});
    const { user } = authOf(res);
    await respondIdempotently(
      db,
      req,
      res,
      'POST /inference/submit',
      () => jsonFingerprint(req.body),
      async (key) => {
        const request = await resolveFor(user.id, body);
        // The video will count against the quota: refuse once the user is at or over it.
        await checkStorageQuota(db, user.id, options.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES);
        const webhook = body.webhook ? await checkWebhook(body.webhook, options.webhookNet) : undefined;
        const answer = (job: Job) => ({ statusCode: 200, body: { request_id: job.id, status: 'queued' } });
        // The key's record commits with the charge: a crash can leave neither or both, never a second charge.
        const job = await submitJob(
          db,
          { ...request, userId: user.id, tier: user.tier, modelSlug: request.model.slug, webhook },
          options.queueCapacity,
          key && ((tx, created) => completeIdempotencyKey(tx, key, answer(created))),
        );
        options.onSubmitted?.(job);
        return answer(job);
      },
    );
  });

  // Not in Phosor: every delivery of the job's webhook and each attempt, for its owner.
  router.get('/inference/webhooks/:request_id', async (req, res) => {
    const job = await ownJob(res, req.params.request_id);
    res.json({ request_id: job.id, deliveries: await deliveriesOf(db, job.userId, job.id) });
  });

  router.get('/inference/status/:request_id', async (req, res) => {
    const id = req.params.request_id;
    const job = await recent.find(db, authOf(res).user.id, id);
    if (!job) throw new JobNotFoundError(id);
    res.json(statusJson(job, await queueStanding(db, job, options.queueSnapshotMs)));
  });

  // Not in Phosor: prices a submit body with the code that charges it, and checks it as submit would.
  router.post('/inference/quote', express.json({ limit: '64kb' }), async (req, res) => {
    const body = parseRequest(submitRequestSchema, req.body ?? {});
    const { user } = authOf(res);
    const request = await resolveFor(user.id, body);
    const micro = await balance(db, user.id);
    res.json({
      model: request.modelId,
      width: request.params.width,
      height: request.params.height,
      num_frames: request.params.num_frames,
      num_inference_steps: request.params.num_inference_steps,
      credits: microToCredits(request.costMicro),
      route: request.route ?? [LOCAL_PROVIDER],
      balance: microToCredits(micro),
      affordable: micro >= request.costMicro,
    });
  });

  router.get('/inference/result/:request_id', async (req, res) => {
    const job = await ownJob(res, req.params.request_id);
    if (job.status !== 'completed') throw new JobNotCompletedError(job.id, job.status, job.errorMessage ?? undefined);
    if (job.videoRemovedAt) throw videoExpired(job);
    if (!job.videoKey)
      throw new HttpError(
        404,
        'video_not_uploaded',
        `Job ${job.id} was made in a browser and its MP4 was not uploaded; PUT it to /api/v1/inference/history/${job.clientId}/video from the device that has it.`,
      );
    const expires = Math.floor(Date.now() / 1000) + (options.urlTtlSeconds ?? DEFAULT_URL_TTL_S);
    const url = `${origin()}/api/v1/inference/video/${encodeURIComponent(job.id)}?${await signer.sign(job.id, expires)}`;
    // `model` is ours: the model that actually ran, whatever id was asked for.
    res.json({
      data: { video: { url }, seed: job.params.seed, model: job.modelId, provider: job.provider ?? LOCAL_PROVIDER },
      request_id: job.id,
    });
  });

  router.get('/inference/history', async (req, res) => {
    const { page, page_size, cursor, since } = parseRequest(historyQuerySchema, req.query);
    const { jobs, total, now } = await listUserJobs(db, authOf(res).user.id, {
      page,
      pageSize: page_size,
      beforeSeq: cursor === undefined ? undefined : Number(cursor),
      since: since === undefined ? undefined : new Date(since),
    });
    const last = jobs.at(-1);
    res.json({
      data: jobs.map(historyJson),
      page,
      page_size,
      total,
      next_cursor: jobs.length === page_size && last ? String(last.seq) : null,
      synced_at: new Date(now.getTime() - SYNC_OVERLAP_MS).toISOString(),
    });
  });

  // Not in Phosor: lets the playground stop a server job; it fails with code `cancelled` and is refunded.
  router.post('/inference/cancel/:request_id', async (req, res) => {
    const job = await ownJob(res, req.params.request_id);
    const cancelled = await cancelJob(db, job.userId, job.id);
    recent.forget(job.userId, job.id);
    if (!cancelled)
      throw new HttpError(
        400,
        'job_not_active',
        `Job ${job.id} is already ${job.status}; only queued or processing jobs can be cancelled.`,
      );
    res.json(statusJson((await findJob(db, job.id))!));
  });

  return router;
}

/** `GET /inference/video/{request_id}?expires&signature`: the completed video, for whoever holds a valid URL. */
export function videoDownloadRouter(db: Database, options: InferenceOptions): Router {
  const router = Router();
  router.param('request_id', rejectUnstorableParam);
  const signer = signerFor(db, options);
  router.get('/inference/video/:request_id', async (req, res) => {
    const id = req.params.request_id;
    const expires = Number(req.query.expires);
    const signature = typeof req.query.signature === 'string' ? req.query.signature : '';
    if (!Number.isSafeInteger(expires) || !(await signer.verify(id, expires, signature)))
      throw new HttpError(
        403,
        'invalid_signature',
        'This video URL is not valid; get one from GET /api/v1/inference/result/{request_id}.',
      );
    if (expires * 1000 < Date.now())
      throw new HttpError(
        403,
        'url_expired',
        `This video URL has expired; get a fresh one from GET /api/v1/inference/result/${id}.`,
      );
    const job = await findJob(db, id);
    if (!job || job.status !== 'completed' || !job.videoKey) throw new JobNotFoundError(id);
    if (job.videoRemovedAt) throw videoExpired(job);
    // The URL is the capability, so any origin may embed the video (the app's default CORP is same-origin).
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.sendFile(options.storage.localPath(job.videoKey), {
      headers: { 'Content-Type': 'video/mp4', 'Cache-Control': 'private, max-age=3600' },
    });
  });
  return router;
}
