-- History sync between devices: a clip made in the browser is recorded in its owner's history by its
-- client id (source 'local', free, completed, its MP4 optional), and every row carries when it last
-- changed so a device can ask for what changed since its last sync.
ALTER TABLE jobs ADD COLUMN source text NOT NULL DEFAULT 'server' CHECK (source IN ('server', 'local'));
ALTER TABLE jobs ADD COLUMN client_id text;
ALTER TABLE jobs ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX jobs_client_id ON jobs (user_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX jobs_user_updated ON jobs (user_id, updated_at);

-- A local clip cost nothing, and its MP4 may not have been uploaded (yet).
ALTER TABLE jobs DROP CONSTRAINT jobs_cost_micro_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_cost_micro_check CHECK (cost_micro > 0 OR (source = 'local' AND cost_micro = 0));
ALTER TABLE jobs DROP CONSTRAINT jobs_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_check CHECK (
  status <> 'completed' OR ((video_key IS NOT NULL OR source = 'local') AND progress = 100 AND finished_at IS NOT NULL));
ALTER TABLE jobs ADD CONSTRAINT jobs_local_completed CHECK (source <> 'local' OR status = 'completed');

CREATE FUNCTION jobs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_touch();
