/** API keys: created (secret shown once), listed, revoked, and checked on every request. */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { KeyLimitError } from './errors';
import { API_KEY_PATTERN, generateSecret, hashSecret, sameDigest, secretPrefix } from './secret';
import { MAX_KEYS_PER_USER } from './tiers';
import { lockUser } from './user-lock';
import type { User } from './users';

/** A key as listed: never the secret or its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const toInfo = (r: KeyRow): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: new Date(r.created_at),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});

const INFO_COLUMNS = 'id, name, prefix, created_at, revoked_at';

/** Creates a key for the user, at most MAX_KEYS_PER_USER active ones; the only time the secret is returned. */
export function createKey(db: Database, userId: string, name = ''): Promise<{ key: ApiKeyInfo; secret: string }> {
  return db.transaction(async (tx) => {
    // The lock makes "count, then insert" atomic against a concurrent create for the same user.
    await lockUser(tx, userId);
    const { rows: active } = await tx.query('SELECT id FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL', [
      userId,
    ]);
    if (active.length >= MAX_KEYS_PER_USER) throw new KeyLimitError(MAX_KEYS_PER_USER);
    const secret = generateSecret();
    const { rows } = await tx.query<KeyRow>(
      `INSERT INTO api_keys (id, user_id, name, prefix, secret_sha256) VALUES ($1, $2, $3, $4, $5) RETURNING ${INFO_COLUMNS}`,
      [`key_${randomUUID()}`, userId, name, secretPrefix(secret), hashSecret(secret)],
    );
    return { key: toInfo(rows[0]!), secret };
  });
}

/** The user's keys, revoked ones included, newest first. */
export async function listKeys(q: Queryable, userId: string): Promise<ApiKeyInfo[]> {
  const { rows } = await q.query<KeyRow>(
    `SELECT ${INFO_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`,
    [userId],
  );
  return rows.map(toInfo);
}

/**
 * Revokes a key; with `userId`, only that user's key. Returns the key, or undefined when there is no such
 * key (for that user). Revoking a revoked key keeps its first revocation time.
 */
export async function revokeKey(q: Queryable, keyId: string, userId?: string): Promise<ApiKeyInfo | undefined> {
  const { rows } = await q.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) RETURNING ${INFO_COLUMNS}`,
    [keyId, userId ?? null],
  );
  return rows[0] && toInfo(rows[0]);
}

/** The user and key id behind an unrevoked secret, or undefined for anything else. */
export async function authenticate(q: Queryable, secret: string): Promise<{ user: User; keyId: string } | undefined> {
  if (!API_KEY_PATTERN.test(secret)) return undefined;
  const { rows } = await q.query<{
    key_id: string;
    secret_sha256: string;
    id: string;
    email: string;
    tier: User['tier'];
    created_at: Date | string;
  }>(
    `SELECT k.id AS key_id, k.secret_sha256, u.id, u.email, u.tier, u.created_at
     FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
    [secretPrefix(secret)],
  );
  const digest = hashSecret(secret);
  const match = rows.find((r) => sameDigest(r.secret_sha256, digest));
  if (!match) return undefined;
  return {
    keyId: match.key_id,
    user: { id: match.id, email: match.email, tier: match.tier, createdAt: new Date(match.created_at) },
  };
}
