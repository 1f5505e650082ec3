/**
 * Keys that authenticated a moment ago, so a client polling status many times a second costs no key
 * lookup per request. Only successes are kept, by the key's sha256 (never the key). A revocation through
 * this process's API forgets them at once; on PostgreSQL another API node notices within KEY_CACHE_MS.
 */
import { createHash } from 'node:crypto';
import { authenticate } from '../accounts/keys';
import type { Queryable } from '../db/database';

/** How long a successful authentication is reused. */
export const KEY_CACHE_MS = 2_000;
const MAX_ENTRIES = 10_000;

type Auth = NonNullable<Awaited<ReturnType<typeof authenticate>>>;
const caches = new WeakMap<Queryable, Map<string, { auth: Auth; until: number }>>();

/** `authenticate`, reusing a success of the last KEY_CACHE_MS. */
export async function authenticateCached(db: Queryable, secret: string): Promise<Auth | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const digest = createHash('sha256').update(secret).digest('base64');
  const hit = cache.get(digest);
  if (hit && hit.until > Date.now()) return hit.auth;
  const auth = await authenticate(db, secret);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  if (auth) cache.set(digest, { auth, until: Date.now() + KEY_CACHE_MS });
  else cache.delete(digest);
  return auth;
}

/** Forgets every cached key of `db` (after a revocation). */
export function forgetCachedKeys(db: Queryable): void {
  caches.get(db)?.clear();
}
