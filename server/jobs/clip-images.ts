/** A synced clip's conditioning images: written once per slot by its owner's device, read back by its owner only. */
import type { ClipImageSlot } from '../../src/shared/clip-recipe';
import type { Queryable } from '../db/database';

/** One stored image, already checked to be a PNG, JPEG or WebP. */
export interface ClipImage {
  contentType: string;
  bytes: Buffer;
}

/** Stores the image of `slot`; false (nothing written) when the clip has one there already. */
export async function saveClipImage(
  q: Queryable,
  at: { jobId: string; userId: string; slot: ClipImageSlot },
  image: ClipImage,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO clip_images (job_id, slot, user_id, content_type, size_bytes, bytes) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (job_id, slot) DO NOTHING`,
    [at.jobId, at.slot, at.userId, image.contentType, image.bytes.length, image.bytes],
  );
  return rowCount > 0;
}

/** The image of `slot` of the user's clip; undefined for another user's clip, a deleted one, or an empty slot. */
export async function findClipImage(
  q: Queryable,
  userId: string,
  jobId: string,
  slot: ClipImageSlot,
): Promise<ClipImage | undefined> {
  const { rows } = await q.query<{ content_type: string; bytes: Uint8Array }>(
    `SELECT c.content_type, c.bytes FROM clip_images c JOIN jobs j ON j.id = c.job_id
     WHERE c.job_id = $1 AND c.slot = $2 AND j.user_id = $3 AND j.deleted_at IS NULL`,
    [jobId, slot, userId],
  );
  const row = rows[0];
  return row && { contentType: row.content_type, bytes: Buffer.from(row.bytes) };
}

/** Drops a deleted clip's images (its row stays as a tombstone, so the foreign key's cascade never fires). */
export async function removeClipImages(q: Queryable, jobId: string): Promise<void> {
  await q.query('DELETE FROM clip_images WHERE job_id = $1', [jobId]);
}
