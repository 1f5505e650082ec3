import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../../../server/accounts/keys';
import { createUser } from '../../../server/accounts/users';
import { createApp } from '../../../server/app';
import { KEY_CACHE_MS } from '../../../server/auth/key-cache';
import type { Database } from '../../../server/db/database';
import { scanModelDirs } from '../../../server/models/registry';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

describe.each(DATABASE_KINDS)('the authenticated-key cache on %s', (kind) => {
  const db = useTestDatabase(kind);
  let app: ReturnType<typeof createApp>;
  let n = 0;
  beforeAll(async () => {
    app = createApp({ registry: await scanModelDirs([]), distDir: '/nonexistent', db: db() });
  });
  const freshKey = async () => {
    const user = await createUser(db(), { email: `cache-${++n}@example.test`, tier: 'pro' });
    return { user, ...(await createKey(db(), user.id)) };
  };
  const account = (secret: string) => request(app).get('/api/v1/account').set('X-API-Key', secret);

  it('forgets a key revoked through the API at once, though it had just been used', async () => {
    const { secret } = await freshKey();
    const other = await createKey(db(), (await freshKey()).user.id);
    await account(secret).expect(200);
    const { body } = await request(app).get('/api/v1/keys').set('X-API-Key', secret).expect(200);
    const id = (body.keys as { key_id: string }[])[0]!.key_id;
    await request(app).delete(`/api/v1/keys/${id}`).set('X-API-Key', secret).expect(200);
    await account(secret).expect(401);
    await account(other.secret).expect(200);
  });

  // PGlite has one writer, so its write clock keeps a key until keys or users are written; PostgreSQL's TTL decides.
  it(
    kind === 'pglite'
      ? 'keeps a key past KEY_CACHE_MS while nothing wrote keys or users (one writer)'
      : 'checks a key again after KEY_CACHE_MS (other writers: no write clock)',
    async () => {
      const reread = kind === 'pglite' ? 0 : 1;
      let lookups = 0;
      const counting = {
        ...db(),
        query: ((sql: string, params?: unknown[]) => {
          if (sql.includes('secret_sha256')) lookups++;
          return db().query(sql, params);
        }) as Database['query'],
      };
      const countingApp = createApp({ registry: await scanModelDirs([]), distDir: '/nonexistent', db: counting });
      const { key, secret } = await freshKey();
      const get = () => request(countingApp).get('/api/v1/account').set('X-API-Key', secret);
      await get().expect(200);
      await sleep(KEY_CACHE_MS + 100);
      await db().query('SELECT * FROM api_keys WHERE id = $1', [key.id]); // a read moves nothing
      await get().expect(200);
      expect(lookups).toBe(1 + reread);
      if (kind !== 'pglite') return; // PostgreSQL: a revocation outside the API waits for the TTL (test below)
      // On PGlite a revocation is a write through the one connection, so it is seen at once.
      await revokeKey(db(), key.id);
      await get().expect(401);
      expect(lookups).toBe(2);
    },
  );

  it('stops a key revoked elsewhere (another node, the admin CLI) within KEY_CACHE_MS', async () => {
    const { key, secret } = await freshKey();
    await account(secret).expect(200);
    await revokeKey(db(), key.id);
    await sleep(KEY_CACHE_MS + 100);
    await account(secret).expect(401);
  });
});
