import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app';
import { addCredits } from '../../../server/accounts/ledger';
import { createKey, revokeKey } from '../../../server/accounts/keys';
import { createUser, type User } from '../../../server/accounts/users';
import { MAX_KEYS_PER_USER } from '../../../server/accounts/tiers';
import { scanModelDirs } from '../../../server/models/registry';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';

let n = 0;
const email = () => `routes-${++n}-${Date.now()}@example.test`;

describe.each(DATABASE_KINDS)('account routes on %s', (kind) => {
  const db = useTestDatabase(kind);
  let app: ReturnType<typeof createApp>;
  let user: User;
  let secret: string;

  beforeAll(async () => {
    app = createApp({
      registry: await scanModelDirs([]),
      distDir: '/nonexistent',
      db: db(),
      rateLimit: { limit: 40, windowMs: 60_000 },
    });
    user = await createUser(db(), { email: email(), tier: 'standard', initialMicro: 100_000_000 });
    ({ secret } = await createKey(db(), user.id, 'first'));
  });

  const as = (key: string) => ({
    get: (url: string) => request(app).get(url).set('X-API-Key', key),
    post: (url: string) => request(app).post(url).set('X-API-Key', key),
    delete: (url: string) => request(app).delete(url).set('X-API-Key', key),
  });

  describe('GET /api/v1/account', () => {
    describe('with a valid key', () => {
      it('answers email, tier, balance and storage', async () => {
        const res = await as(secret).get('/api/v1/account').expect(200);
        expect(res.body).toEqual({
          user_id: user.id,
          email: user.email,
          tier: 'standard',
          concurrent_jobs: 5,
          balance: 100,
          balance_microcredits: 100_000_000,
          storage: { used_bytes: 0, quota_bytes: 10 * 2 ** 30, images_bytes: 0, loras_bytes: 0, videos_bytes: 0 },
        });
      });
    });
    describe('without a key', () => {
      it('is 401 invalid_api_key', async () => {
        const res = await request(app).get('/api/v1/account').expect(401);
        expect(res.body.error).toEqual({ code: 'invalid_api_key', message: expect.stringMatching(/^Invalid API key/) });
      });
    });
    describe('with an unknown key', () => {
      it('is 401 and does not echo the key', async () => {
        const bogus = `phk_${'x'.repeat(43)}`;
        const res = await as(bogus).get('/api/v1/account').expect(401);
        expect(JSON.stringify(res.body)).not.toContain(bogus);
      });
    });
    describe('with a revoked key', () => {
      it('is 401', async () => {
        const { key, secret: revoked } = await createKey(db(), user.id);
        await revokeKey(db(), key.id);
        await as(revoked).get('/api/v1/account').expect(401);
      });
    });
  });

  describe('GET /api/v1/account/ledger', () => {
    describe('with entries', () => {
      it('pages newest first', async () => {
        const other = await createUser(db(), { email: email(), tier: 'pro', initialMicro: 1_000_000 });
        await addCredits(db(), other.id, 2_500_000, 'second');
        const { secret: key } = await createKey(db(), other.id);
        const res = await as(key).get('/api/v1/account/ledger?page=1&page_size=1').expect(200);
        expect(res.body).toMatchObject({ page: 1, page_size: 1, total: 2 });
        expect(res.body.entries).toEqual([
          expect.objectContaining({
            kind: 'grant',
            credits: 2.5,
            microcredits: 2_500_000,
            note: 'second',
            job_id: null,
          }),
        ]);
      });
    });
    describe('with a bad page_size', () => {
      it('is 400 naming the field and the rule', async () => {
        const res = await as(secret).get('/api/v1/account/ledger?page_size=1000').expect(400);
        expect(res.body.error).toMatchObject({
          code: 'validation_error',
          message: expect.stringMatching(/page_size: .*100/),
        });
      });
    });
  });

  describe('POST /api/v1/keys', () => {
    describe('with a name', () => {
      it('returns the secret once; the list never shows it', async () => {
        const res = await as(secret).post('/api/v1/keys').send({ name: 'ci' }).expect(201);
        expect(res.body).toMatchObject({
          key_id: expect.stringMatching(/^key_/),
          name: 'ci',
          api_key: expect.stringMatching(/^phk_/),
          revoked_at: null,
        });
        await as(res.body.api_key).get('/api/v1/account').expect(200);
        const list = await as(secret).get('/api/v1/keys').expect(200);
        expect(list.body.keys.map((k: { key_id: string }) => k.key_id)).toContain(res.body.key_id);
        expect(JSON.stringify(list.body)).not.toContain(res.body.api_key);
      });
    });
    describe('with a bad body', () => {
      it('is 400 naming the field and the rule', async () => {
        const res = await as(secret)
          .post('/api/v1/keys')
          .send({ name: 'x'.repeat(101) })
          .expect(400);
        expect(res.body.error.message).toMatch(/name: .*100/);
        const extra = await as(secret).post('/api/v1/keys').send({ name: 'a', admin: true }).expect(400);
        expect(extra.body.error.message).toMatch(/admin/);
      });
    });
    describe('for the 11th active key', () => {
      it('is 400 key_limit_reached', async () => {
        const full = await createUser(db(), { email: email(), tier: 'pro' });
        const { secret: key } = await createKey(db(), full.id);
        for (let i = 1; i < MAX_KEYS_PER_USER; i++) await as(key).post('/api/v1/keys').send({}).expect(201);
        const res = await as(key).post('/api/v1/keys').send({}).expect(400);
        expect(res.body.error.code).toBe('key_limit_reached');
      });
    });
  });

  describe('DELETE /api/v1/keys/{key_id}', () => {
    describe('an own key', () => {
      it('revokes it, after which it is 401', async () => {
        const { key, secret: doomed } = await createKey(db(), user.id);
        const res = await as(secret).delete(`/api/v1/keys/${key.id}`).expect(200);
        expect(res.body).toMatchObject({ key_id: key.id, revoked_at: expect.any(String) });
        await as(doomed).get('/api/v1/keys').expect(401);
      });
    });
    describe("another user's key id", () => {
      it('is 404 and leaves the key working', async () => {
        const other = await createUser(db(), { email: email(), tier: 'starter' });
        const { key, secret: theirs } = await createKey(db(), other.id);
        const res = await as(secret).delete(`/api/v1/keys/${key.id}`).expect(404);
        expect(res.body.error.code).toBe('not_found');
        await as(theirs).get('/api/v1/account').expect(200);
      });
    });
  });

  describe('the rate limit', () => {
    describe('past the limit for one user', () => {
      it('is 429 with Retry-After on each of their keys, while another user still works', async () => {
        const busy = await createUser(db(), { email: email(), tier: 'pro' });
        const { secret: key } = await createKey(db(), busy.id);
        const { secret: spare } = await createKey(db(), busy.id);
        for (let i = 0; i < 40; i++) await as(key).get('/api/v1/keys').expect(200);
        const res = await as(key).get('/api/v1/keys').expect(429);
        expect(res.body.error.code).toBe('rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        await as(spare).get('/api/v1/keys').expect(429);
        const other = await createUser(db(), { email: email(), tier: 'pro' });
        await as((await createKey(db(), other.id)).secret)
          .get('/api/v1/keys')
          .expect(200);
      });
    });
  });

  describe('GET /api/v1/models', () => {
    it('still needs no key', async () => {
      await request(app).get('/api/v1/models').expect(200);
    });
  });
});
