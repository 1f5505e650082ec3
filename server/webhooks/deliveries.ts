/**
 * The webhook outbox. `enqueueWebhookEvents` turns job states into delivery rows (at most one per job
 * and event, whoever enqueues first on whichever node); `deliverDueWebhooks` sends the due ones, each
 * leased so that two nodes never send the same attempt, and records every attempt.
 */
import { randomUUID } from 'node:crypto';
import { toInt, type Database } from '../db/database';
import type { WEBHOOK_EVENTS } from '../../src/shared/phosor-requests';
import { postWebhook, type AttemptResult, type WebhookNetOptions } from './send';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './sign';

/** One job event name. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a job stores: where and how to deliver its events. */
export interface JobWebhook {
  url: string;
  secret: string;
  events: WebhookEvent[];
}

/**
 * Seconds before each retry: after the 1st failed attempt 10 s, then 30 s, 2 min, 10 min, 30 min, 1 h,
 * 3 h; the 8th failure gives up (about 5 h in all).
 */
export const RETRY_DELAYS_S = [10, 30, 120, 600, 1800, 3600, 10_800];
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;
/** A claimed delivery is not claimed again for this long (the attempt's own timeout is 10 s). */
const LEASE_S = 60;
/** Only jobs this recent are scanned for new events: the scan stays small as history grows. */
const SCAN_DAYS = 2;

interface JobEventRow {
  id: string;
  user_id: string;
  status: string;
  progress: unknown;
  model_id: string;
  params: unknown;
  error_code: string | null;
  error_message: string | null;
  event: WebhookEvent;
}

/** Creates the delivery rows of job events not yet enqueued; returns how many. */
export async function enqueueWebhookEvents(db: Database): Promise<number> {
  const { rows } = await db.query<JobEventRow>(
    `SELECT j.id, j.user_id, j.status, j.progress, j.model_id, j.params, j.error_code, j.error_message, e.event
     FROM jobs j
     CROSS JOIN LATERAL (VALUES ('processing'), ('completed'), ('failed')) AS e (event)
     WHERE j.webhook IS NOT NULL AND j.created_at > now() - ($1::double precision * interval '1 day')
       AND (j.webhook->'events') ? e.event
       AND CASE e.event WHEN 'processing' THEN j.started_at IS NOT NULL ELSE j.status = e.event END
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.job_id = j.id AND d.event = e.event)
     LIMIT 500`,
    [SCAN_DAYS],
  );
  let created = 0;
  for (const r of rows) {
    const id = `evt_${randomUUID()}`;
    const params =
      typeof r.params === 'string' ? (JSON.parse(r.params) as { seed?: number }) : (r.params as { seed?: number });
    const payload = {
      id,
      type: `job.${r.event}`,
      created_at: new Date().toISOString(),
      data: {
        request_id: r.id,
        // The event's state, even when the job has moved on since (processing, then completed).
        status: r.event,
        model: r.model_id,
        seed: params.seed,
        result_url: r.event === 'completed' ? `/api/v1/inference/result/${r.id}` : undefined,
        error: r.event === 'failed' ? { code: r.error_code ?? 'failed', message: r.error_message ?? '' } : undefined,
      },
    };
    const inserted = await db.query(
      `INSERT INTO webhook_deliveries (id, job_id, user_id, event, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (job_id, event) DO NOTHING`,
      [id, r.id, r.user_id, r.event, JSON.stringify(payload)],
    );
    created += inserted.rowCount;
  }
  return created;
}

interface DueRow {
  id: string;
  job_id: string;
  attempts: unknown;
  payload: unknown;
  webhook: JobWebhook | string;
}

/** Sends the deliveries that are due (at most `limit`), recording each attempt; returns how many were sent. */
export async function deliverDueWebhooks(db: Database, net: WebhookNetOptions = {}, limit = 20): Promise<number> {
  const { rows } = await db.query<DueRow>(
    `UPDATE webhook_deliveries d SET next_attempt_at = now() + ($2::double precision * interval '1 second')
     FROM jobs j
     WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       AND j.id = d.job_id
     RETURNING d.id, d.job_id, d.attempts, d.payload, j.webhook`,
    [limit, LEASE_S],
  );
  await Promise.all(rows.map((row) => attempt(db, row, net)));
  return rows.length;
}

async function attempt(db: Database, row: DueRow, net: WebhookNetOptions): Promise<void> {
  const webhook = (typeof row.webhook === 'string' ? JSON.parse(row.webhook) : row.webhook) as JobWebhook;
  const body = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
  const number = toInt(row.attempts) + 1;
  const started = performance.now();
  const timestamp = Math.floor(Date.now() / 1000);
  const result: AttemptResult = await postWebhook(
    webhook.url,
    body,
    { [EVENT_ID_HEADER]: row.id, [SIGNATURE_HEADER]: signatureHeader(webhook.secret, timestamp, body) },
    net,
  );
  const ok = 'httpStatus' in result && result.httpStatus >= 200 && result.httpStatus < 300;
  const next = ok ? null : number >= MAX_ATTEMPTS ? null : RETRY_DELAYS_S[number - 1]!;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)`,
      [
        row.id,
        number,
        'httpStatus' in result ? result.httpStatus : null,
        'error' in result ? result.error.slice(0, 500) : null,
        Math.round(performance.now() - started),
      ],
    );
    await tx.query(
      `UPDATE webhook_deliveries SET attempts = $2, status = $3,
         next_attempt_at = CASE WHEN $4::double precision IS NULL THEN next_attempt_at
                                ELSE now() + ($4::double precision * interval '1 second') END
       WHERE id = $1`,
      [row.id, number, ok ? 'delivered' : next === null ? 'failed' : 'pending', next],
    );
  });
}

/** A delivery as its owner sees it. */
export interface DeliveryView {
  event_id: string;
  event: string;
  status: string;
  next_attempt_at: string | null;
  attempts: { attempt: number; at: string; http_status: number | null; error: string | null; duration_ms: number }[];
}

/** The deliveries of one job of `userId`, oldest first, with their attempts. */
export async function deliveriesOf(db: Database, userId: string, jobId: string): Promise<DeliveryView[]> {
  const deliveries = await db.query<{ id: string; event: string; status: string; next_attempt_at: Date | string }>(
    `SELECT id, event, status, next_attempt_at FROM webhook_deliveries WHERE job_id = $1 AND user_id = $2
     ORDER BY created_at, id`,
    [jobId, userId],
  );
  const attempts = await db.query<{
    delivery_id: string;
    attempt: number;
    at: Date | string;
    http_status: number | null;
    error: string | null;
    duration_ms: number;
  }>(
    `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
     WHERE d.job_id = $1 AND d.user_id = $2 ORDER BY a.attempt`,
    [jobId, userId],
  );
  return deliveries.rows.map((d) => ({
    event_id: d.id,
    event: d.event,
    status: d.status,
    next_attempt_at: d.status === 'pending' ? new Date(d.next_attempt_at).toISOString() : null,
    attempts: attempts.rows
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({
        attempt: a.attempt,
        at: new Date(a.at).toISOString(),
        http_status: a.http_status,
        error: a.error,
        duration_ms: a.duration_ms,
      })),
  }));
}
