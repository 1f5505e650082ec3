/** Image records: who uploaded which image, and the lookup a submit's `image_url` goes through. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database';
import { toInt } from '../db/database';
import type { ImageFormat, ImageInfo } from '../images/image-info';
import { FORMAT_TYPES } from '../images/image-info';

/** A stored image of one user. */
export interface StoredImage {
  /** The file store key; also what the client sends as `image_url`. */
  key: string;
  userId: string;
  format: ImageFormat;
  contentType: string;
  width: number;
  height: number;
  sizeBytes: number;
  source: 'upload' | 'import';
  sourceUrl: string | null;
  createdAt: Date;
}

interface ImageRow {
  key: string;
  user_id: string;
  format: ImageFormat;
  width: number;
  height: number;
  size_bytes: number | string;
  source: 'upload' | 'import';
  source_url: string | null;
  created_at: Date | string;
}

const toImage = (r: ImageRow): StoredImage => ({
  key: r.key,
  userId: r.user_id,
  format: r.format,
  contentType: FORMAT_TYPES[r.format].contentType,
  width: r.width,
  height: r.height,
  sizeBytes: toInt(r.size_bytes),
  source: r.source,
  sourceUrl: r.source_url,
  createdAt: new Date(r.created_at),
});

/** A fresh, unguessable key for an image of this format. */
export const newImageKey = (format: ImageFormat): string =>
  `images/img_${randomUUID()}.${FORMAT_TYPES[format].extension}`;

/** Records an image whose file is already stored under `key`. */
export async function insertImage(
  q: Queryable,
  input: {
    key: string;
    userId: string;
    info: ImageInfo;
    sizeBytes: number;
    source: 'upload' | 'import';
    sourceUrl?: string;
  },
): Promise<StoredImage> {
  const { rows } = await q.query<ImageRow>(
    `INSERT INTO images (key, user_id, format, width, height, size_bytes, source, source_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      input.key,
      input.userId,
      input.info.format,
      input.info.width,
      input.info.height,
      input.sizeBytes,
      input.source,
      input.sourceUrl ?? null,
    ],
  );
  return toImage(rows[0]!);
}

/** The user's image with this key, or undefined when it is missing, deleted or someone else's. */
export async function findUserImage(q: Queryable, userId: string, key: string): Promise<StoredImage | undefined> {
  const { rows } = await q.query<ImageRow>(
    'SELECT * FROM images WHERE key = $1 AND user_id = $2 AND deleted_at IS NULL',
    [key, userId],
  );
  return rows[0] && toImage(rows[0]);
}
