-- Inference jobs. The table is the queue: workers claim the oldest queued row with
-- FOR UPDATE SKIP LOCKED, so any number of worker processes can share one PostgreSQL (no pg-boss).
-- Phosor's request_id is jobs.id. The job's charge and refund live in credit_ledger (job_id = jobs.id)
-- and are written in the same transaction as the state change that causes them.

CREATE TABLE jobs (
  id text PRIMARY KEY,
  -- Submission order: history pages and queue order by it (timestamps can tie).
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id text NOT NULL REFERENCES users (id),
  -- The model id the job answers to, and the package folder that runs it.
  model_id text NOT NULL,
  model_slug text NOT NULL,
  -- The effective generation parameters (GenerateParams), seed and aligned frame count included.
  params jsonb NOT NULL,
  image_key text,
  lora_id text,
  lora_scale double precision,
  cost_micro bigint NOT NULL CHECK (cost_micro > 0),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'completed', 'failed')),
  progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  error_code text,
  error_message text,
  -- Claims so far; a job whose worker died is queued again until this reaches the worker's limit.
  attempts integer NOT NULL DEFAULT 0,
  -- A fresh token per claim: a worker that lost its claim (timeout, recovery) cannot complete the job.
  claim_token text,
  video_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- When the job last entered the queue (submit or recovery); the queue timeout counts from here.
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz,
  CHECK (status <> 'completed' OR (video_key IS NOT NULL AND progress = 100 AND finished_at IS NOT NULL)),
  CHECK (status <> 'failed' OR (error_code IS NOT NULL AND finished_at IS NOT NULL)),
  CHECK (status <> 'processing' OR (claim_token IS NOT NULL AND started_at IS NOT NULL))
);
CREATE INDEX jobs_history ON jobs (user_id, seq DESC);
CREATE INDEX jobs_queue ON jobs (seq) WHERE status = 'queued';
CREATE INDEX jobs_active ON jobs (user_id) WHERE status IN ('queued', 'processing');

-- Server-wide secrets shared by every API node (the key that signs video URLs), created on first use.
CREATE TABLE server_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
