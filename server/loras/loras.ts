/** LoRA records as read: the lookup a submit's `lora_id` goes through, and the user's list. */
import type { Queryable } from '../db/database';
import { toInt } from '../db/database';

/** Phosor: at most 20 LoRAs per user. */
export const MAX_LORAS_PER_USER = 20;

/** Phosor: uploaded LoRAs expire after one day. */
export const LORA_TTL_MS = 24 * 3600_000;

/** Where a LoRA is: its files arriving and being checked, usable, or refused. */
export type LoraStatus = 'processing' | 'ready' | 'failed';

/** The two files of a Wan 2.2 LoRA, one per expert; also the multipart part names. */
export const LORA_PARTS = ['high_noise', 'low_noise'] as const;

/** One of the two files. */
export type LoraPart = (typeof LORA_PARTS)[number];

/** A LoRA of one user. */
export interface Lora {
  id: string;
  userId: string;
  name: string;
  status: LoraStatus;
  /** `status === 'ready'`: only then may a job use it. */
  ready: boolean;
  source: 'upload' | 'import';
  error: string | null;
  bytes: Record<LoraPart, number | null>;
  urls: Record<LoraPart, string | null>;
  /** File store keys of the two files (present once ready). */
  files: Record<LoraPart, string>;
  createdAt: Date;
  expiresAt: Date;
}

/** The columns a LoRA row has. */
export interface LoraRow {
  id: string;
  user_id: string;
  name: string;
  status: LoraStatus;
  source: 'upload' | 'import';
  error: string | null;
  high_noise_url: string | null;
  low_noise_url: string | null;
  high_noise_bytes: number | string | null;
  low_noise_bytes: number | string | null;
  created_at: Date | string;
  expires_at: Date | string;
}

/** The file store key of one of a LoRA's files. */
export const loraFileKey = (loraId: string, part: LoraPart): string => `loras/${loraId}/${part}.safetensors`;

const bytesOf = (v: number | string | null) => (v === null ? null : toInt(v));

/** Maps a row to a Lora. */
export const toLora = (r: LoraRow): Lora => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  status: r.status,
  ready: r.status === 'ready',
  source: r.source,
  error: r.error,
  bytes: { high_noise: bytesOf(r.high_noise_bytes), low_noise: bytesOf(r.low_noise_bytes) },
  urls: { high_noise: r.high_noise_url, low_noise: r.low_noise_url },
  files: { high_noise: loraFileKey(r.id, 'high_noise'), low_noise: loraFileKey(r.id, 'low_noise') },
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
});

/** A LoRA counts (and is visible) until it is deleted or expires. */
export const ACTIVE = 'deleted_at IS NULL AND expires_at > now()';

/**
 * The user's LoRA with this id in any status, or undefined when it is missing, deleted, expired or
 * someone else's. A job may use it only when `ready`.
 */
export async function findUserLora(q: Queryable, userId: string, loraId: string): Promise<Lora | undefined> {
  const { rows } = await q.query<LoraRow>(`SELECT * FROM loras WHERE id = $1 AND user_id = $2 AND ${ACTIVE}`, [
    loraId,
    userId,
  ]);
  return rows[0] && toLora(rows[0]);
}

/** The user's visible LoRAs, newest first. */
export async function listUserLoras(q: Queryable, userId: string): Promise<Lora[]> {
  const { rows } = await q.query<LoraRow>(
    `SELECT * FROM loras WHERE user_id = $1 AND ${ACTIVE} ORDER BY created_at DESC, id`,
    [userId],
  );
  return rows.map(toLora);
}
