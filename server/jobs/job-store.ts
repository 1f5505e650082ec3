/** Submitting, finding and listing jobs; submit charges the job in the transaction that creates it. */
import { randomUUID } from 'node:crypto';
import type { ClipRecipe } from '../../src/shared/clip-recipe';
import type { GenerateParams } from '../../src/shared/protocol';
import { chargeForJob } from '../accounts/ledger';
import { CONCURRENT_JOBS, type Tier } from '../accounts/tiers';
import { lockUser } from '../accounts/user-lock';
import { toInt, type Database, type Queryable } from '../db/database';
import { ConcurrencyLimitError, QueueFullError } from './errors';
import { toJob, type Job, type JobRow } from './job';
import type { JobWebhook } from '../webhooks/deliveries';

/** A validated, priced job about to be submitted. */
export interface NewJob {
  userId: string;
  tier: Tier;
  modelId: string;
  modelSlug: string;
  params: GenerateParams;
  imageKey?: string;
  loraId?: string;
  loraScale?: number;
  costMicro: number;
  /** Where to POST the job's events (ours, not Phosor's). */
  webhook?: JobWebhook;
  /** The providers to try in order (`server/upstream/route.ts`); absent: this server only. */
  route?: string[];
  /** The id our package runs it under, when not `modelId` (the job is recorded under the upstream's id). */
  localModel?: string;
  /** The `model` the client sent. */
  requestedModel?: string;
}

/** Queued jobs the server accepts before answering 503, when not configured. */
export const DEFAULT_QUEUE_CAPACITY = 100;

async function count(q: Queryable, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await q.query<{ n: unknown }>(sql, params);
  return toInt(rows[0]!.n);
}

// Any constant: the transaction-scoped advisory lock that makes the queue-capacity check exact.
const QUEUE_CAPACITY_LOCK = 7_305_502;

/**
 * Creates a queued job and charges its price, in one transaction: 429 when the user's tier allows no
 * more active jobs, 503 when `queueCapacity` jobs are queued, 402 (nothing written) when credits are short.
 * The user lock makes the concurrency check exact; an advisory lock held to the commit makes the capacity
 * check exact too, however many API nodes submit at once (without it simultaneous submits on PostgreSQL
 * each saw room and overshot). Submits serialise on it for the few milliseconds of this transaction.
 */
export function submitJob(
  db: Database,
  job: NewJob,
  queueCapacity = DEFAULT_QUEUE_CAPACITY,
  inSameTransaction?: (tx: Queryable, job: Job) => Promise<void>,
): Promise<Job> {
  return db.transaction(async (tx) => {
    await lockUser(tx, job.userId);
    const limit = CONCURRENT_JOBS[job.tier];
    const active = await count(
      tx,
      "SELECT COUNT(*) AS n FROM jobs WHERE user_id = $1 AND status IN ('queued', 'processing')",
      [job.userId],
    );
    if (active >= limit) throw new ConcurrencyLimitError(job.tier, limit);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_CAPACITY_LOCK]);
    const queued = await count(tx, "SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'", []);
    if (queued >= queueCapacity) throw new QueueFullError(queueCapacity);
    const id = `job_${randomUUID()}`;
    await chargeForJob(tx, job.userId, id, job.costMicro);
    const { rows } = await tx.query<JobRow>(
      `INSERT INTO jobs (id, user_id, model_id, model_slug, params, image_key, lora_id, lora_scale, cost_micro, webhook,
         route, requested_model, local_model)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [
        id,
        job.userId,
        job.modelId,
        job.modelSlug,
        JSON.stringify(job.params),
        job.imageKey ?? null,
        job.loraId ?? null,
        job.loraScale ?? null,
        job.costMicro,
        job.webhook ? JSON.stringify(job.webhook) : null,
        job.route ? JSON.stringify(job.route) : null,
        job.requestedModel ?? null,
        job.localModel ?? job.modelId,
      ],
    );
    const created = toJob(rows[0]!);
    await inSameTransaction?.(tx, created);
    return created;
  });
}

/** The job if it belongs to the user; another user's job is as absent as a missing one. */
export async function findUserJob(q: Queryable, userId: string, jobId: string): Promise<Job | undefined> {
  // A job its owner deleted is gone for them: status, result and cancel answer 404.
  const { rows } = await q.query<JobRow>('SELECT * FROM jobs WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL', [
    jobId,
    userId,
  ]);
  return rows[0] && toJob(rows[0]);
}

/**
 * Deletes a finished job from its owner's history: a tombstone (deleted_at) that sync hands to the other
 * devices, its video marked removed. Returns the video key to remove, or undefined when there is none.
 * Throws nothing: the caller checked the owner and that the job is finished.
 */
export async function markJobDeleted(q: Queryable, jobId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ video_key: string | null; had_video: boolean }>(
    `UPDATE jobs SET deleted_at = now(), video_removed_at = COALESCE(video_removed_at, now())
     FROM (SELECT video_removed_at IS NULL AS had_video FROM jobs WHERE id = $1) AS prev
     WHERE id = $1 AND deleted_at IS NULL
     RETURNING video_key, prev.had_video`,
    [jobId],
  );
  const row = rows[0];
  return row?.had_video && row.video_key ? row.video_key : undefined;
}

/** The job with this id, whoever owns it (workers and signed downloads). */
export async function findJob(q: Queryable, jobId: string): Promise<Job | undefined> {
  const { rows } = await q.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [jobId]);
  return rows[0] && toJob(rows[0]);
}

/** Which page of history: by number (Phosor), or after a cursor (`seq` of the last entry seen); `since` filters. */
export interface HistoryPage {
  page: number;
  pageSize: number;
  /** Entries older than this seq. */
  beforeSeq?: number;
  /** Entries changed at or after this time. */
  since?: Date;
}

/** One page of the user's jobs, newest first, how many match, and the database's time of the answer. */
export async function listUserJobs(
  q: Queryable,
  userId: string,
  page: HistoryPage,
): Promise<{ jobs: Job[]; total: number; now: Date }> {
  // Without `since` (Phosor's history) deleted jobs are not listed; a sync (`since`) gets them as tombstones.
  const filters = `user_id = $1 AND ($2::timestamptz IS NULL AND deleted_at IS NULL OR updated_at >= $2::timestamptz)`;
  const since = page.since?.toISOString() ?? null;
  const { rows } = await q.query<JobRow>(
    `SELECT *, (SELECT string_agg(slot, ',' ORDER BY slot) FROM clip_images WHERE job_id = jobs.id) AS clip_images
     FROM jobs WHERE ${filters} AND ($3::bigint IS NULL OR seq < $3::bigint)
     ORDER BY seq DESC LIMIT $4 OFFSET $5`,
    [
      userId,
      since,
      page.beforeSeq ?? null,
      page.pageSize,
      page.beforeSeq === undefined ? (page.page - 1) * page.pageSize : 0,
    ],
  );
  const { rows: totals } = await q.query<{ n: unknown; now: Date | string }>(
    `SELECT COUNT(*) AS n, now() AS now FROM jobs WHERE ${filters}`,
    [userId, since],
  );
  return { jobs: rows.map(toJob), total: toInt(totals[0]!.n), now: new Date(totals[0]!.now) };
}

/** A browser-made clip to record: its client id and recipe. */
export interface LocalJob {
  userId: string;
  clientId: string;
  modelId: string;
  params: GenerateParams;
  createdAt?: Date;
  /** What the clip carries beyond its parameters, checked by the caller. */
  recipe?: ClipRecipe;
}

/**
 * Records a local clip in its owner's history, free and completed, or returns the record its client id
 * already has (the upload is idempotent: a device that retries after a lost answer gets the same entry).
 */
export async function recordLocalJob(q: Queryable, job: LocalJob): Promise<{ job: Job; created: boolean }> {
  // A record sent again by its client id is the same clip: nothing changes, except that a recipe the first
  // send lacked (a record recorded before recipes were synced) is filled in, which moves its updated_at so
  // other devices' next sync picks it up. `xmax = 0` tells an inserted row from an updated one.
  const { rows } = await q.query<JobRow & { inserted: boolean }>(
    `INSERT INTO jobs (id, user_id, model_id, model_slug, params, cost_micro, status, progress, source, client_id,
       created_at, finished_at, recipe)
     VALUES ($1, $2, $3, '', $4, 0, 'completed', 100, 'local', $5, COALESCE($6::timestamptz, now()),
       COALESCE($6::timestamptz, now()), $7::jsonb)
     ON CONFLICT (user_id, client_id) WHERE client_id IS NOT NULL DO UPDATE SET recipe = EXCLUDED.recipe
       WHERE jobs.recipe IS NULL AND EXCLUDED.recipe IS NOT NULL
     RETURNING *, (xmax = 0) AS inserted`,
    [
      `job_${randomUUID()}`,
      job.userId,
      job.modelId,
      JSON.stringify(job.params),
      job.clientId,
      job.createdAt?.toISOString() ?? null,
      job.recipe ? JSON.stringify(job.recipe) : null,
    ],
  );
  if (rows[0]) return { job: toJob(rows[0]), created: rows[0].inserted === true };
  const existing = await q.query<JobRow>('SELECT * FROM jobs WHERE user_id = $1 AND client_id = $2', [
    job.userId,
    job.clientId,
  ]);
  return { job: toJob(existing.rows[0]!), created: false };
}

/** Attaches the MP4 of a local record (replacing none: a record's video is written once). */
export async function attachLocalVideo(q: Queryable, jobId: string, videoKey: string, bytes: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE jobs SET video_key = $2, video_bytes = $3 WHERE id = $1 AND source = 'local' AND video_key IS NULL`,
    [jobId, videoKey, bytes],
  );
  return rowCount > 0;
}
