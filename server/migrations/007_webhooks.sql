-- Webhooks: a job may carry where to POST its events ({url, secret, events}). Deliveries are an outbox
-- derived from the jobs' durable states (one row per job and event, so each event is sent at least
-- once and created only once), retried with backoff; every attempt is kept for the owner to see.

ALTER TABLE jobs ADD COLUMN webhook jsonb;
CREATE INDEX jobs_webhook_recent ON jobs (created_at) WHERE webhook IS NOT NULL;

CREATE TABLE webhook_deliveries (
  -- The event id (evt_<uuid>), sent in every attempt so receivers can drop duplicates.
  id text PRIMARY KEY,
  job_id text NOT NULL REFERENCES jobs (id),
  user_id text NOT NULL REFERENCES users (id),
  event text NOT NULL CHECK (event IN ('processing', 'completed', 'failed')),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id),
  attempt integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  -- The receiver's answer, or NULL with `error` when there was none (refused address, timeout, reset).
  http_status integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
