/**
 * The idempotency records: reserve a key before the work, complete it with the answer after, replay
 * the answer to a retry. The database clock decides ages, so every API node agrees.
 */
import type { Database, Queryable } from '../db/database';
import { HttpError } from '../http-error';

/** A key is remembered this long (Stripe's 24 h); then the same key starts a new operation. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * A reservation whose request never completed (its process died between the reservation and the
 * answer) may be taken over after this long. Longer than any request may run: the body timeout and
 * the largest upload both end well within it.
 */
export const STALE_RESERVATION_MS = 15 * 60 * 1000;

/** One request's key, scoped by user and route, and the fingerprint of its body. */
export interface IdempotentRequest {
  userId: string;
  route: string;
  key: string;
  fingerprint: string;
}

/** The answer stored for a key and replayed to retries. */
export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

interface KeyRow {
  fingerprint: string;
  status_code: number | null;
  response: unknown;
  expired: boolean;
  stale: boolean;
}

const ms = (n: number) => `($${n}::double precision * interval '1 millisecond')`;
const WHERE_KEY = 'user_id = $1 AND route = $2 AND key = $3';

/**
 * Reserves the key for a new operation (undefined), or returns the answer to replay. Throws 422
 * `idempotency_key_reused` when the key was used with another body, and 409 `idempotency_key_in_use`
 * while the first request with it is still running.
 */
export async function claimIdempotencyKey(q: Queryable, r: IdempotentRequest): Promise<StoredAnswer | undefined> {
  const key = [r.userId, r.route, r.key];
  const inserted = await q.query(
    `INSERT INTO idempotency_keys (user_id, route, key, fingerprint) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, route, key) DO NOTHING`,
    [...key, r.fingerprint],
  );
  if (inserted.rowCount > 0) return undefined;
  const { rows } = await q.query<KeyRow>(
    `SELECT fingerprint, status_code, response, created_at < now() - ${ms(4)} AS expired,
       (status_code IS NULL AND created_at < now() - ${ms(5)}) AS stale
     FROM idempotency_keys WHERE ${WHERE_KEY}`,
    [...key, IDEMPOTENCY_TTL_MS, STALE_RESERVATION_MS],
  );
  const row = rows[0];
  // Expired or abandoned: start afresh. The conditional update lets one of two racing requests win.
  if (!row || row.expired || row.stale) {
    const { rowCount } = await q.query(
      `INSERT INTO idempotency_keys (user_id, route, key, fingerprint) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, route, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, status_code = NULL, response = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - ${ms(5)}
            OR (idempotency_keys.status_code IS NULL AND idempotency_keys.created_at < now() - ${ms(6)})`,
      [...key, r.fingerprint, IDEMPOTENCY_TTL_MS, STALE_RESERVATION_MS],
    );
    if (rowCount > 0) return undefined;
    return claimIdempotencyKey(q, r);
  }
  if (row.fingerprint !== r.fingerprint)
    throw new HttpError(
      422,
      'idempotency_key_reused',
      `Idempotency-Key "${r.key}" was already used with a different request body; send a new key for a new request.`,
    );
  if (row.status_code === null)
    throw new HttpError(
      409,
      'idempotency_key_in_use',
      `A request with Idempotency-Key "${r.key}" is still running; retry in a few seconds to get its answer.`,
    );
  return { statusCode: row.status_code, body: row.response };
}

/** Stores the answer of the operation that reserved the key. */
export async function completeIdempotencyKey(q: Queryable, r: IdempotentRequest, answer: StoredAnswer): Promise<void> {
  await q.query(
    `UPDATE idempotency_keys SET status_code = $4, response = $5 WHERE ${WHERE_KEY} AND status_code IS NULL`,
    [r.userId, r.route, r.key, answer.statusCode, JSON.stringify(answer.body)],
  );
}

/**
 * Forgets a reservation whose operation failed: errors are not replayed, so a client that fixes the
 * cause (tops up credits, waits out a full queue) may retry with the same key.
 */
export async function releaseIdempotencyKey(q: Queryable, r: IdempotentRequest): Promise<void> {
  await q.query(`DELETE FROM idempotency_keys WHERE ${WHERE_KEY} AND status_code IS NULL`, [r.userId, r.route, r.key]);
}

/** Deletes records older than the TTL; returns how many. */
export async function sweepIdempotencyKeys(db: Database, ttlMs = IDEMPOTENCY_TTL_MS): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - ${ms(1)}`, [ttlMs]);
  return rowCount;
}
