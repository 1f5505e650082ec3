/**
 * Timeouts and crash recovery, decided by the database clock so that every node agrees. Each sweep fails
 * and refunds (or re-queues) its jobs in one transaction; SKIP LOCKED lets several nodes sweep at once.
 */
import { refundJob } from '../accounts/ledger';
import type { Database } from '../db/database';

/** Phosor's limits: a job may wait 3000 s in the queue and run for 2400 s, then it is refunded. */
export const QUEUE_TIMEOUT_MS = 3_000_000;
/** See QUEUE_TIMEOUT_MS. */
export const EXECUTION_TIMEOUT_MS = 2_400_000;

/** The timeouts a sweep applies. */
export interface JobTimeouts {
  queueTimeoutMs: number;
  executionTimeoutMs: number;
}

/** The SQL interval of the milliseconds in parameter `$n` (values stay parameters, never SQL text). */
const msParam = (n: number) => `($${n}::double precision * interval '1 millisecond')`;

/** Fails and refunds jobs queued longer than the queue timeout or running longer than the execution timeout. */
export function expireJobs(db: Database, timeouts: JobTimeouts): Promise<string[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; error_code: string }>(
      `UPDATE jobs SET finished_at = now(), claim_token = NULL, status = 'failed',
         error_code = CASE status WHEN 'queued' THEN 'queue_timeout' ELSE 'execution_timeout' END,
         error_message = CASE status
           WHEN 'queued' THEN 'The job waited longer than the queue timeout (' || $1 || ' s); its credits were refunded.'
           ELSE 'The job ran longer than the execution timeout (' || $2 || ' s); its credits were refunded.' END
       WHERE id IN (
         SELECT id FROM jobs
         WHERE (status = 'queued' AND queued_at < now() - ${msParam(3)})
            OR (status = 'processing' AND started_at < now() - ${msParam(4)})
         FOR UPDATE SKIP LOCKED)
       AND status IN ('queued', 'processing')
       RETURNING id, error_code`,
      [
        String(timeouts.queueTimeoutMs / 1000),
        String(timeouts.executionTimeoutMs / 1000),
        timeouts.queueTimeoutMs,
        timeouts.executionTimeoutMs,
      ],
    );
    for (const r of rows) await refundJob(tx, r.id, `refund: ${r.error_code}`);
    return rows.map((r) => r.id);
  });
}

/** How recovery treats jobs whose worker stopped sending heartbeats. */
export interface RecoveryOptions {
  /** A processing job without a heartbeat for this long has lost its worker; 0 means every processing job. */
  staleAfterMs: number;
  /** Claims a job may have had; a lost job below this is queued again, at it is failed and refunded. */
  maxAttempts: number;
}

/**
 * Recovers jobs left `processing` by a crashed worker: queued again (keeping their charge) while they have
 * attempts left, else failed as `worker_crashed` (the code a supervisor gives a job whose worker process
 * died on its last attempt) and refunded. The lost worker's claim token is cleared, so it cannot finish them.
 */
export function recoverOrphans(
  db: Database,
  options: RecoveryOptions,
): Promise<{ requeued: string[]; failed: string[] }> {
  return db.transaction(async (tx) => {
    // $1 is the staleness in both statements below.
    const stale = `SELECT id FROM jobs WHERE status = 'processing' AND heartbeat_at <= now() - ${msParam(1)}`;
    const requeued = await tx.query<{ id: string }>(
      `UPDATE jobs SET status = 'queued', progress = 0, claim_token = NULL, queued_at = now(), started_at = NULL,
         heartbeat_at = NULL
       WHERE id IN (${stale} AND attempts < $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
      [options.staleAfterMs, options.maxAttempts],
    );
    const failed = await tx.query<{ id: string }>(
      `UPDATE jobs SET status = 'failed', claim_token = NULL, finished_at = now(), error_code = 'worker_crashed',
         error_message = 'The worker running this job stopped ' || $2 || ' times; its credits were refunded.'
       WHERE id IN (${stale} AND attempts >= $3 FOR UPDATE SKIP LOCKED) RETURNING id`,
      [options.staleAfterMs, String(options.maxAttempts), options.maxAttempts],
    );
    for (const r of failed.rows) await refundJob(tx, r.id, 'refund: worker_crashed');
    return { requeued: requeued.rows.map((r) => r.id), failed: failed.rows.map((r) => r.id) };
  });
}
