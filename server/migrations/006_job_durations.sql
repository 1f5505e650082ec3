-- The ETA in a job's status is estimated from the speed of the most recent completed jobs.
CREATE INDEX jobs_recently_finished ON jobs (finished_at DESC) WHERE status = 'completed';
