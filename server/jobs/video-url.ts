/**
 * Signed, expiring video URLs. Phosor clients download the result URL without headers, so the URL itself
 * carries the right to read: an HMAC of the job id and expiry under a key every API node shares (stored in
 * `server_secrets`, created on first use).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database';

/** How long a result URL stays valid when not configured. */
export const DEFAULT_URL_TTL_S = 3600;

/** Signs and checks video URLs. */
export interface VideoUrlSigner {
  /** The query string (`expires=…&signature=…`) that lets anyone read this job's video until `expires`. */
  sign(jobId: string, expires: number): Promise<string>;
  /** True when the signature matches the job and the expiry; the caller checks that it is in the future. */
  verify(jobId: string, expires: number, signature: string): Promise<boolean>;
}

const SECRET_NAME = 'video_url_hmac';

async function loadKey(q: Queryable): Promise<Buffer> {
  await q.query('INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    SECRET_NAME,
    randomBytes(32).toString('hex'),
  ]);
  const { rows } = await q.query<{ value: string }>('SELECT value FROM server_secrets WHERE name = $1', [SECRET_NAME]);
  return Buffer.from(rows[0]!.value, 'hex');
}

/** A signer whose key lives in the database (loaded once per process). */
export function databaseUrlSigner(q: Queryable): VideoUrlSigner {
  let key: Promise<Buffer> | undefined;
  const mac = async (jobId: string, expires: number) => {
    key ??= loadKey(q).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return createHmac('sha256', await key)
      .update(`${jobId}\n${expires}`)
      .digest();
  };
  return {
    async sign(jobId, expires) {
      return `expires=${expires}&signature=${(await mac(jobId, expires)).toString('base64url')}`;
    },
    async verify(jobId, expires, signature) {
      const given = Buffer.from(signature, 'base64url');
      const expected = await mac(jobId, expires);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
