-- A synced clip's full recipe: what it carries beyond its parameters (the clip it was edited or extended
-- from, its edit steps, its LoRA), as the browser's record keeps it (src/shared/clip-recipe.ts, checked on
-- the way in and on the way out), and the conditioning images it was made from, kept with the clip.
ALTER TABLE jobs ADD COLUMN recipe jsonb;

-- Apart from `jobs`, as previews are, so that history and status reads never carry image bytes. Written
-- once per slot; they go with their clip (DELETE of the history entry) and count against the owner's quota.
CREATE TABLE clip_images (
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  slot text NOT NULL CHECK (slot IN ('image', 'last_image')),
  user_id text NOT NULL REFERENCES users (id),
  content_type text NOT NULL,
  size_bytes integer NOT NULL CHECK (size_bytes > 0),
  bytes bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, slot)
);
CREATE INDEX clip_images_user ON clip_images (user_id);
