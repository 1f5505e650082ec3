/**
 * Keys that authenticated a moment ago, so a client polling status many times a second costs no key
 * lookup per request. Only successes are kept, by the key's sha256 (never the key). A revocation through
 * this process's API forgets them at once; on PostgreSQL another API node notices within KEY_CACHE_MS.
 * On PGlite (this process is the only writer, see WriteClock) a key is also kept while nothing has
 * written the keys or users tables since it was checked, up to QUIET_MS.
 */
import { createHash } from 'node:crypto';
import { authenticate } from '../accounts/keys';
import type { Database, Queryable } from '../db/database';
import { QUIET_MS } from '../db/write-clock';

/** How long a successful authentication is reused. */
export const KEY_CACHE_MS = 2_000;
const MAX_ENTRIES = 10_000;

type Auth = NonNullable<Awaited<ReturnType<typeof authenticate>>>;
const caches = new WeakMap<Queryable, Map<string, { auth: Auth; at: number; version: number }>>();
/** What `authenticate` reads. */
const TABLES = ['api_keys', 'users'] as const;

/** `authenticate`, reusing a success of the last KEY_CACHE_MS. */
export async function authenticateCached(db: Queryable, secret: string): Promise<Auth | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const clock = (db as Partial<Database>).writes;
  const digest = createHash('sha256').update(secret).digest('base64');
  const hit = cache.get(digest);
  if (hit) {
    const age = Date.now() - hit.at;
    if (age < KEY_CACHE_MS) return hit.auth;
    if (clock && age < QUIET_MS && hit.version === clock.versionOf(TABLES)) return hit.auth;
  }
  // Taken before the read: a revocation that overlaps it moves the clock past this version.
  const version = clock?.versionOf(TABLES) ?? 0;
  const at = Date.now();
  const auth = await authenticate(db, secret);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  if (auth) cache.set(digest, { auth, at, version });
  else cache.delete(digest);
  return auth;
}

/** Forgets every cached key of `db` (after a revocation). */
export function forgetCachedKeys(db: Queryable): void {
  caches.get(db)?.clear();
}
