-- Live previews: the latest small PNG of a running job (after its denoising step `step`), kept apart from
-- `jobs` so that status and event reads never carry image bytes; jobs.preview_step says one exists.
CREATE TABLE job_previews (
  job_id text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  step integer NOT NULL CHECK (step > 0),
  total_steps integer NOT NULL CHECK (total_steps >= step),
  png bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE jobs ADD COLUMN preview_step integer;
