/** Expires LoRAs after a day and removes the files of deleted ones, on a timer. */
import type { Database } from '../db/database';
import type { FileStore } from '../storage/file-store';
import { LORA_PARTS, loraFileKey } from './loras';
import { runPeriodically, type Periodic } from '../db/periodic';

// A queued or running job still needs the LoRA it names: it stays until that job has ended.
const IN_USE = `EXISTS (SELECT 1 FROM jobs j WHERE j.lora_id = loras.id AND j.status IN ('queued', 'processing'))`;

/** What one sweep did. */
export interface SweepResult {
  expired: number;
  interrupted: number;
  filesRemoved: number;
}

/** A LoRA still `processing` this long after creation lost its upload or import to a restart. */
export const STALE_PROCESSING_MS = 3 * 3600_000;

/**
 * Soft-deletes LoRAs past `expires_at`, fails ones stuck in `processing`, then removes the files of deleted
 * LoRAs and records that. A deleted LoRA still `processing` keeps its files until it expires: its upload
 * or import may still be writing them (and removes them itself when it finds the row deleted).
 */
export async function sweepLoras(db: Database, files: FileStore, batch = 200): Promise<SweepResult> {
  const interrupted = await db.query(
    `UPDATE loras SET status = 'failed', error = 'The upload or import was interrupted (server restart); send it again.'
     WHERE status = 'processing' AND created_at <= now() - $1::double precision * interval '1 millisecond' RETURNING id`,
    [STALE_PROCESSING_MS],
  );
  const expired = await db.query(
    `UPDATE loras SET deleted_at = now() WHERE deleted_at IS NULL AND expires_at <= now() AND NOT ${IN_USE} RETURNING id`,
  );
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM loras WHERE files_removed_at IS NULL AND deleted_at IS NOT NULL
     AND (status <> 'processing' OR expires_at <= now()) AND NOT ${IN_USE} ORDER BY deleted_at LIMIT $1`,
    [batch],
  );
  for (const { id } of rows) {
    for (const part of LORA_PARTS) await files.delete(loraFileKey(id, part));
    await db.query('UPDATE loras SET files_removed_at = now() WHERE id = $1', [id]);
  }
  return { expired: expired.rowCount, interrupted: interrupted.rowCount, filesRemoved: rows.length };
}

/** A running sweeper. */
export type LoraSweeper = Periodic;

/** Sweeps now and then every `intervalMs` (10 minutes by default); errors are logged, not thrown. */
export const startLoraSweeper = (db: Database, files: FileStore, intervalMs = 10 * 60_000): LoraSweeper =>
  runPeriodically('LoRA sweep', () => sweepLoras(db, files), intervalMs);
