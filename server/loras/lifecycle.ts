/** LoRA state changes: reserve a slot, then ready or failed; soft delete. */
import { randomUUID } from 'node:crypto';
import { lockUser } from '../accounts/user-lock';
import type { Database, Queryable } from '../db/database';
import { HttpError } from '../http-error';
import { ACTIVE, LORA_TTL_MS, MAX_LORAS_PER_USER, toLora, type Lora, type LoraPart, type LoraRow } from './loras';

/** The user already holds the maximum number of LoRAs. */
export class LoraLimitError extends HttpError {
  constructor(limit: number) {
    super(
      400,
      'lora_limit_reached',
      `A user may hold at most ${limit} LoRAs; delete one (DELETE /api/v1/loras/{lora_id}) or wait for one to expire.`,
    );
    this.name = 'LoraLimitError';
  }
}

/**
 * Creates a `processing` LoRA, refusing the user's 21st. The row exists before any byte is stored, so
 * the limit holds against concurrent uploads and the sweeper can find files a crash left behind.
 */
export function reserveLora(
  db: Database,
  input: { userId: string; name?: string; source: 'upload' | 'import'; urls?: Record<LoraPart, string> },
): Promise<Lora> {
  return db.transaction(async (tx) => {
    await lockUser(tx, input.userId);
    const { rows: active } = await tx.query(`SELECT id FROM loras WHERE user_id = $1 AND ${ACTIVE}`, [input.userId]);
    if (active.length >= MAX_LORAS_PER_USER) throw new LoraLimitError(MAX_LORAS_PER_USER);
    const { rows } = await tx.query<LoraRow>(
      `INSERT INTO loras (id, user_id, name, status, source, high_noise_url, low_noise_url, expires_at)
       VALUES ($1, $2, $3, 'processing', $4, $5, $6, now() + $7::double precision * interval '1 millisecond')
       RETURNING *`,
      [
        `lora_${randomUUID()}`,
        input.userId,
        input.name ?? '',
        input.source,
        input.urls?.high_noise ?? null,
        input.urls?.low_noise ?? null,
        LORA_TTL_MS,
      ],
    );
    return toLora(rows[0]!);
  });
}

/** Marks a processing LoRA ready; undefined when it was deleted (or expired) meanwhile. */
export async function markLoraReady(
  q: Queryable,
  loraId: string,
  done: { bytes: Record<LoraPart, number>; name?: string },
): Promise<Lora | undefined> {
  const { rows } = await q.query<LoraRow>(
    `UPDATE loras SET status = 'ready', high_noise_bytes = $2, low_noise_bytes = $3, name = COALESCE($4, name)
     WHERE id = $1 AND status = 'processing' AND ${ACTIVE} RETURNING *`,
    [loraId, done.bytes.high_noise, done.bytes.low_noise, done.name ?? null],
  );
  return rows[0] && toLora(rows[0]);
}

/**
 * Marks a processing LoRA failed with the reason. `discard` also soft-deletes it: a refused upload was
 * answered with the error already and should not take one of the user's slots.
 */
export async function markLoraFailed(q: Queryable, loraId: string, error: string, discard: boolean): Promise<void> {
  await q.query(
    `UPDATE loras SET status = 'failed', error = $2, deleted_at = CASE WHEN $3::boolean THEN now() ELSE deleted_at END
     WHERE id = $1 AND status = 'processing'`,
    [loraId, error.slice(0, 1000), discard],
  );
}

/** Soft-deletes a LoRA whatever its state (a duplicate upload this server answered another way). */
export async function discardLora(q: Queryable, loraId: string): Promise<void> {
  await q.query('UPDATE loras SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [loraId]);
}

/** Soft-deletes the user's LoRA; undefined when there is no such visible LoRA of theirs. */
export async function deleteUserLora(q: Queryable, userId: string, loraId: string): Promise<Lora | undefined> {
  const { rows } = await q.query<LoraRow>(
    `UPDATE loras SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND ${ACTIVE} RETURNING *`,
    [loraId, userId],
  );
  return rows[0] && toLora(rows[0]);
}
