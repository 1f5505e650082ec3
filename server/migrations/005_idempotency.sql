-- Idempotency-Key records: a client that retries a POST with the same key gets the first answer again,
-- and nothing is done (or charged) twice. A row is reserved (status_code NULL) before the work and
-- completed with the answer after it; submit completes it in the transaction that charges the job.
-- Keys are scoped by user and route, and forgotten after a day (the sweeper deletes older rows).

CREATE TABLE idempotency_keys (
  user_id text NOT NULL REFERENCES users (id),
  route text NOT NULL,
  key text NOT NULL,
  -- sha256 of the request's canonical body: the same key with another body is refused (422).
  fingerprint text NOT NULL,
  -- The answer to replay; both NULL while the first request is still running.
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, route, key),
  CHECK ((status_code IS NULL) = (response IS NULL))
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
