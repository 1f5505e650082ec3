-- Accounts, API keys and the credit ledger.

CREATE TABLE users (
  id text PRIMARY KEY,
  -- Stored lower-cased by the application, so this is a case-insensitive uniqueness.
  email text NOT NULL UNIQUE,
  tier text NOT NULL CHECK (tier IN ('starter', 'standard', 'pro')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  name text NOT NULL DEFAULT '',
  -- The first characters of the secret, for display and to find the candidate rows; never enough to use.
  prefix text NOT NULL,
  -- sha256 of the whole secret, hex; the secret itself is shown once and never stored.
  secret_sha256 text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- Amounts are integer micro-credits (1 credit = 1 000 000): Phosor prices frames at 0.002 credits and
-- LoRA jobs at 1.25x that (0.0025), which is exact in micro-credits but not in milli-credits, and a
-- float sum would drift. bigint holds 9.2e12 credits.
CREATE TABLE credit_ledger (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  job_id text,
  kind text NOT NULL CHECK (kind IN ('grant', 'charge', 'refund', 'adjustment')),
  amount bigint NOT NULL CHECK (amount <> 0),
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'grant' OR amount > 0),
  CHECK (kind <> 'charge' OR (amount < 0 AND job_id IS NOT NULL)),
  CHECK (kind <> 'refund' OR (amount > 0 AND job_id IS NOT NULL))
);
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, id);
-- A job is charged once and refunded at most once, whatever the code above does.
CREATE UNIQUE INDEX credit_ledger_job_once ON credit_ledger (job_id, kind) WHERE kind IN ('charge', 'refund');

-- Append-only: a correction is a new 'adjustment' row, never an edit.
CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_ledger is append-only; add an adjustment row instead';
END
$$;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
  FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();
