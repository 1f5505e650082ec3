-- Uploaded images (what a submit's image_url names) and LoRAs; the files themselves live in the file store.

CREATE TABLE images (
  -- The file store key, returned to the client and accepted as image_url: images/img_<uuid>.<ext>.
  key text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  format text NOT NULL CHECK (format IN ('png', 'jpeg', 'webp')),
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  size_bytes bigint NOT NULL CHECK (size_bytes > 0),
  source text NOT NULL CHECK (source IN ('upload', 'import')),
  source_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX images_user ON images (user_id, created_at);

CREATE TABLE loras (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  name text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
  source text NOT NULL CHECK (source IN ('upload', 'import')),
  error text,
  high_noise_url text,
  low_noise_url text,
  high_noise_bytes bigint,
  low_noise_bytes bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Phosor: uploaded LoRAs expire after a day; the sweeper then soft-deletes them and removes the files.
  expires_at timestamptz NOT NULL,
  deleted_at timestamptz,
  files_removed_at timestamptz,
  CHECK (status <> 'ready' OR (high_noise_bytes > 0 AND low_noise_bytes > 0))
);
CREATE INDEX loras_user ON loras (user_id, created_at) WHERE deleted_at IS NULL;
-- What the sweeper scans: rows whose files may still be on disk.
CREATE INDEX loras_files_present ON loras (expires_at) WHERE files_removed_at IS NULL;
