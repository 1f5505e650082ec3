/**
 * The job queue's state changes. Each is one conditional UPDATE, so a change applies only from the state
 * it expects; failing refunds in the same transaction, so a job's money follows its state exactly.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { refundJob } from '../accounts/ledger';
import type { Database, Queryable } from '../db/database';
import { toJob, type Job, type JobRow } from './job';

/** Why a job failed: a machine-readable code and a message for its owner. */
export interface JobFailure {
  code: string;
  message: string;
}

/** This process as `claimed_by` records it. */
const THIS_PROCESS = `${hostname()}:${process.pid}`;

/**
 * Claims the oldest queued job whose current provider is `provider` (`local`: this server's workers, else
 * an upstream's name) and returns it with a fresh claim token, or undefined when there is none. SKIP
 * LOCKED lets N workers on one PostgreSQL claim different jobs without waiting.
 */
export async function claimNextJob(db: Queryable, provider = 'local'): Promise<Job | undefined> {
  const onProvider =
    provider === 'local' ? "(route IS NULL OR route->>route_step = 'local')" : 'route->>route_step = $3';
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET status = 'processing', progress = 0, claim_token = $1, attempts = attempts + 1,
       started_at = now(), heartbeat_at = now(), claimed_by = $2
     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND ${onProvider} ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT 1)
       AND status = 'queued'
     RETURNING *`,
    provider === 'local' ? [randomUUID(), THIS_PROCESS] : [randomUUID(), THIS_PROCESS, provider],
  );
  return rows[0] && toJob(rows[0]);
}

/**
 * Hands a claimed job that its provider failed to the next provider of its route: queued again with its
 * charge, its attempts counted afresh, and the failure kept in `route_log`. False when the route has no
 * next provider or the claim was lost (the caller then fails the job).
 */
export async function advanceRoute(db: Queryable, job: Job, provider: string, failure: JobFailure): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET status = 'queued', progress = 0, claim_token = NULL, attempts = 0, route_step = route_step + 1,
       queued_at = now(), started_at = NULL, heartbeat_at = NULL,
       route_log = route_log || jsonb_build_array(jsonb_build_object(
         'provider', $3::text, 'code', $4::text, 'message', $5::text, 'at', now()))
     WHERE id = $1 AND claim_token = $2 AND status = 'processing' AND jsonb_array_length(route) > route_step + 1`,
    [job.id, job.claimToken, provider, failure.code, failure.message],
  );
  return rowCount > 0;
}

/**
 * Records progress (never backwards) and a heartbeat. Returns false when the claim is no longer the
 * worker's (the job timed out, was cancelled or recovered): the worker should stop.
 */
export async function reportProgress(db: Queryable, job: Job, progress: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET progress = GREATEST(progress, $3), heartbeat_at = now()
     WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
    [job.id, job.claimToken, Math.max(0, Math.min(99, Math.floor(progress)))],
  );
  return rowCount > 0;
}

/** Who ran a job and under which model id. */
export interface JobRan {
  provider: string;
  modelId: string;
}

/**
 * Marks the claimed job completed with its video (of `videoBytes`) and, when given, who ran it under which
 * model id (by default this server under the job's own id); false when the claim was lost meanwhile.
 */
export async function completeJob(
  db: Queryable,
  job: Job,
  videoKey: string,
  videoBytes?: number,
  ran: JobRan = { provider: 'local', modelId: job.localModel ?? job.modelId },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET status = 'completed', progress = 100, video_key = $3, video_bytes = $4, finished_at = now(),
       claim_token = NULL, provider = $5, model_id = $6
     WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
    [job.id, job.claimToken, videoKey, videoBytes ?? null, ran.provider, ran.modelId],
  );
  return rowCount > 0;
}

/**
 * Fails an active job and refunds its charge in one transaction. With `claimToken`, only while that claim
 * holds (a worker failing its own job). Returns false, changing nothing, when the job was not active.
 */
export function failJob(db: Database, jobId: string, failure: JobFailure, claimToken?: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE jobs SET status = 'failed', error_code = $2, error_message = $3, finished_at = now(), claim_token = NULL
       WHERE id = $1 AND status IN ('queued', 'processing') AND ($4::text IS NULL OR claim_token = $4)
       RETURNING id`,
      [jobId, failure.code, failure.message, claimToken ?? null],
    );
    if (rows.length === 0) return false;
    await refundJob(tx, jobId, `refund: ${failure.code}`);
    return true;
  });
}

/** Cancels the user's queued or running job (a failure with code `cancelled`, refunded); false when not active. */
export function cancelJob(db: Database, userId: string, jobId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE jobs SET status = 'failed', error_code = 'cancelled', error_message = 'Cancelled by its owner.',
         finished_at = now(), claim_token = NULL
       WHERE id = $1 AND user_id = $2 AND status IN ('queued', 'processing') RETURNING id`,
      [jobId, userId],
    );
    if (rows.length === 0) return false;
    await refundJob(tx, jobId, 'refund: cancelled');
    return true;
  });
}

/**
 * Puts a claimed job back in the queue without counting the claim (a worker shutting down mid-job), so the
 * next worker starts it afresh; false when the claim was lost meanwhile.
 */
export async function releaseJob(db: Queryable, job: Job): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET status = 'queued', progress = 0, claim_token = NULL, attempts = GREATEST(attempts - 1, 0),
       queued_at = now(), started_at = NULL, heartbeat_at = NULL
     WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
    [job.id, job.claimToken],
  );
  return rowCount > 0;
}

/**
 * After the worker process running a claimed job died: the job goes back to the queue (keeping its
 * charge and its counted attempt) while it has attempts left, else it fails with `failure` and is
 * refunded, in one transaction. 'lost' when the claim was no longer this worker's.
 */
export function retryCrashedJob(
  db: Database,
  job: Job,
  maxAttempts: number,
  failure: JobFailure,
): Promise<'requeued' | 'failed' | 'lost'> {
  return db.transaction(async (tx) => {
    const requeued = await tx.query(
      `UPDATE jobs SET status = 'queued', progress = 0, claim_token = NULL, queued_at = now(), started_at = NULL,
         heartbeat_at = NULL
       WHERE id = $1 AND claim_token = $2 AND status = 'processing' AND attempts < $3`,
      [job.id, job.claimToken, maxAttempts],
    );
    if (requeued.rowCount > 0) return 'requeued';
    const failed = await tx.query(
      `UPDATE jobs SET status = 'failed', error_code = $3, error_message = $4, finished_at = now(), claim_token = NULL
       WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
      [job.id, job.claimToken, failure.code, failure.message],
    );
    if (failed.rowCount === 0) return 'lost';
    await refundJob(tx, job.id, `refund: ${failure.code}`);
    return 'failed';
  });
}
