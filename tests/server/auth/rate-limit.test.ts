/**
 * Rate limits in the database: per user across all their keys, per address for failed keys, and exact
 * with two API nodes (two apps on two connection pools) on one database.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../../server/accounts/keys';
import { createUser } from '../../../server/accounts/users';
import { createApp } from '../../../server/app';
import { RateLimiter } from '../../../server/auth/rate-limit';
import type { Database } from '../../../server/db/database';
import { openPostgres } from '../../../server/db/postgres';
import { scanModelDirs } from '../../../server/models/registry';
import { DATABASE_KINDS, openTestPostgresWithUrl, useTestDatabase } from '../../helpers/databases';

let n = 0;
const email = () => `rate-${process.pid}-${++n}@example.test`;
const appOn = async (db: Database, limit: number, failedAuthLimit = 1000) =>
  createApp({
    registry: await scanModelDirs([]),
    distDir: '/nonexistent',
    db,
    rateLimit: { limit, windowMs: 60_000, failedAuthLimit },
  });
const statuses = (responses: { status: number }[]) => {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
};

describe.each(DATABASE_KINDS)('RateLimiter on %s', (kind) => {
  const db = useTestDatabase(kind);

  describe('hit', () => {
    it('allows `limit` hits per subject and window, then says how many seconds remain', async () => {
      const limiter = new RateLimiter(db(), { limit: 2, windowMs: 60_000 });
      const subject = `test:${email()}`;
      expect([await limiter.hit(subject), await limiter.hit(subject), await limiter.hit(`${subject}-b`)]).toEqual([
        0, 0, 0,
      ]);
      const wait = await limiter.hit(subject);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(60);
      expect(limiter.blocked(subject)).toBeGreaterThan(0);
    });
  });

  describe('requireApiKey', () => {
    describe('one user with three keys', () => {
      it('shares one budget between the keys', async () => {
        const app = await appOn(db(), 6);
        const user = await createUser(db(), { email: email(), tier: 'pro' });
        const keys = [];
        for (let i = 0; i < 3; i++) keys.push((await createKey(db(), user.id)).secret);
        const responses = [];
        for (let i = 0; i < 9; i++)
          responses.push(
            await request(app)
              .get('/api/v1/account')
              .set('X-API-Key', keys[i % 3]!),
          );
        expect(statuses(responses)).toEqual({ 200: 6, 429: 3 });
        const other = await createUser(db(), { email: email(), tier: 'pro' });
        await request(app)
          .get('/api/v1/account')
          .set('X-API-Key', (await createKey(db(), other.id)).secret)
          .expect(200);
      });
    });

    describe('well-formed keys that do not exist', () => {
      it('are 401 up to the per-address limit, then 429 with Retry-After', async () => {
        const app = await appOn(db(), 1000, 5);
        const fake = `phk_${'a'.repeat(8)}_${'b'.repeat(32)}`;
        const responses = [];
        for (let i = 0; i < 8; i++) responses.push(await request(app).get('/api/v1/account').set('X-API-Key', fake));
        expect(statuses(responses)).toEqual({ 401: 5, 429: 3 });
        expect(Number(responses.at(-1)!.headers['retry-after'])).toBeGreaterThan(0);
      });
    });
  });
});

describe('two API nodes on one PostgreSQL', () => {
  let nodes: Database[] = [];
  beforeAll(async () => {
    const { db, url } = await openTestPostgresWithUrl();
    nodes = [db, await openPostgres(url)];
    return async () => {
      await nodes[1]!.close();
      await nodes[0]!.close();
    };
  });

  it('hold the per-user limit exactly under simultaneous requests', async () => {
    const [a, b] = [await appOn(nodes[0]!, 10), await appOn(nodes[1]!, 10)];
    const user = await createUser(nodes[0]!, { email: email(), tier: 'pro' });
    const key = (await createKey(nodes[0]!, user.id)).secret;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(i % 2 ? a : b)
          .get('/api/v1/account')
          .set('X-API-Key', key),
      ),
    );
    expect(statuses(responses)).toEqual({ 200: 10, 429: 20 });
  });
});
