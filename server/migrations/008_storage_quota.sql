-- Storage quotas and retention: a job's video size (what it counts against its owner's quota) and when
-- retention removed the file (the row stays: history keeps the job, result answers 410).
ALTER TABLE jobs ADD COLUMN video_bytes bigint;
ALTER TABLE jobs ADD COLUMN video_removed_at timestamptz;
CREATE INDEX jobs_videos_kept ON jobs (finished_at) WHERE status = 'completed' AND video_removed_at IS NULL;
CREATE INDEX jobs_user_videos ON jobs (user_id) WHERE status = 'completed' AND video_removed_at IS NULL;
CREATE INDEX images_kept ON images (created_at) WHERE deleted_at IS NULL;
