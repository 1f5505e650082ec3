/**
 * Retention: finished jobs' videos (with a synced clip's conditioning images) and uploaded images are
 * removed after a configurable time (VIDEO_RETENTION_DAYS, IMAGE_RETENTION_DAYS; 7 days each by default). Rows stay, marked, so history
 * keeps the job and a late result request gets 410 instead of a broken link. Nothing a queued or
 * running job still needs is removed: an image waits until its last job has finished.
 */
import type { Database } from '../db/database';
import type { VideoStorage } from '../jobs/video-storage';
import type { FileStore } from './file-store';

/** How long things are kept. */
export interface RetentionSettings {
  videoRetentionMs: number;
  imageRetentionMs: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  videoRetentionMs: 7 * 24 * 3600_000,
  imageRetentionMs: 7 * 24 * 3600_000,
};

const olderThan = (column: string, n: number) =>
  `${column} < now() - ($${n}::double precision * interval '1 millisecond')`;

/** Removes at most `batch` expired videos and images; returns how many of each. */
export async function sweepRetention(
  db: Database,
  stores: { videos: VideoStorage; files: FileStore },
  settings: RetentionSettings = DEFAULT_RETENTION,
  batch = 200,
): Promise<{ videos: number; images: number }> {
  const videos = await db.query<{ id: string; video_key: string }>(
    // A browser clip synced without its MP4 (yet) has no video to remove: its key is null.
    `SELECT id, video_key FROM jobs
     WHERE status = 'completed' AND video_removed_at IS NULL AND video_key IS NOT NULL
       AND ${olderThan('finished_at', 1)}
     ORDER BY finished_at LIMIT $2`,
    [settings.videoRetentionMs, batch],
  );
  for (const v of videos.rows) {
    // Mark first: a download that starts now gets 410, not a file that vanishes under it. A synced clip's
    // conditioning images go with its video (they count against the quota, and kept alone they show nothing).
    await db.query('UPDATE jobs SET video_removed_at = now() WHERE id = $1', [v.id]);
    await db.query('DELETE FROM clip_images WHERE job_id = $1', [v.id]);
    await stores.videos.remove(v.video_key);
  }
  const images = await db.query<{ key: string }>(
    `UPDATE images SET deleted_at = now()
     WHERE key IN (
       SELECT i.key FROM images i
       WHERE i.deleted_at IS NULL AND ${olderThan('i.created_at', 1)}
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.image_key = i.key AND j.status IN ('queued', 'processing'))
       ORDER BY i.created_at LIMIT $2)
     RETURNING key`,
    [settings.imageRetentionMs, batch],
  );
  for (const i of images.rows) await stores.files.delete(i.key);
  return { videos: videos.rows.length, images: images.rows.length };
}
