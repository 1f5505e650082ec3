/**
 * Each user's storage: kept images (uploads, and synced clips' conditioning images), LoRA files not yet
 * removed and job videos not yet expired count against one quota (10 GiB by default, STORAGE_QUOTA_MB).
 * Uploads, imports and submits that would go past it are refused with 413 `storage_quota_exceeded`,
 * saying what is used and how to free space.
 */
import type { Queryable } from '../db/database';
import { toInt } from '../db/database';
import { HttpError } from '../http-error';

/** The quota when none is configured. */
export const DEFAULT_STORAGE_QUOTA_BYTES = 10 * 2 ** 30;

/** What one user stores, in bytes. */
export interface StorageUsage {
  images: number;
  loras: number;
  videos: number;
  total: number;
}

/** The user's usage now. */
export async function storageUsage(q: Queryable, userId: string): Promise<StorageUsage> {
  const { rows } = await q.query<{ images: unknown; loras: unknown; videos: unknown }>(
    `SELECT
       (SELECT COALESCE(SUM(size_bytes), 0) FROM images WHERE user_id = $1 AND deleted_at IS NULL)
         + (SELECT COALESCE(SUM(size_bytes), 0) FROM clip_images WHERE user_id = $1) AS images,
       (SELECT COALESCE(SUM(COALESCE(high_noise_bytes, 0) + COALESCE(low_noise_bytes, 0)), 0) FROM loras
          WHERE user_id = $1 AND files_removed_at IS NULL) AS loras,
       (SELECT COALESCE(SUM(video_bytes), 0) FROM jobs
          WHERE user_id = $1 AND status = 'completed' AND video_removed_at IS NULL) AS videos`,
    [userId],
  );
  const r = rows[0]!;
  const usage = { images: toInt(r.images), loras: toInt(r.loras), videos: toInt(r.videos) };
  return { ...usage, total: usage.images + usage.loras + usage.videos };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Refuses `adding` more bytes (0: anything at all) when the user is, or would be, over `quotaBytes`. */
export async function checkStorageQuota(q: Queryable, userId: string, quotaBytes: number, adding = 0): Promise<void> {
  const usage = await storageUsage(q, userId);
  if (usage.total + adding <= quotaBytes && usage.total < quotaBytes) return;
  throw new HttpError(
    413,
    'storage_quota_exceeded',
    `Storage quota exceeded: you store ${mb(usage.total)} (images ${mb(usage.images)}, LoRAs ${mb(usage.loras)}, ` +
      `videos ${mb(usage.videos)})${adding ? ` and this adds ${mb(adding)}` : ''}, over your ${mb(quotaBytes)}; ` +
      'delete LoRAs you no longer need (DELETE /api/v1/loras/{id}), or wait for old videos and images to expire.',
  );
}
