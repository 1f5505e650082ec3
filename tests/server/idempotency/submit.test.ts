import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, balance, ledger } from '../../../server/accounts/ledger';
import { expireJobs } from '../../../server/jobs/sweeper';
import { sweepIdempotencyKeys } from '../../../server/idempotency/keys';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { png } from '../../helpers/images';
import { as, storageApps } from '../../helpers/storage-app';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';

describe.each(DATABASE_KINDS)('Idempotency-Key on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));

  const submit = (apiKey: string, body: object, idempotencyKey?: string) => {
    const req = request(h.app).post('/api/v1/inference/submit').set('X-API-Key', apiKey);
    return (idempotencyKey === undefined ? req : req.set('Idempotency-Key', idempotencyKey)).send(body);
  };
  const charges = async (userId: string) =>
    (await ledger(db(), userId, { page: 1, pageSize: 100 })).entries.filter((e) => e.kind === 'charge').length;

  describe('POST /api/v1/inference/submit', () => {
    it('answers a retry with the same job and charges once, whatever the order of the fields', async () => {
      const { user, key } = await h.user(1_000_000);
      const first = await submit(key, { ...SMALL, seed: 7 }, 'retry-1').expect(200);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const reordered = Object.fromEntries(Object.entries({ ...SMALL, seed: 7 }).reverse());
      const again = await submit(key, reordered, 'retry-1').expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await charges(user.id)).toBe(1);
    });

    it('refuses the same key with another body (422) and charges nothing more', async () => {
      const { user, key } = await h.user(1_000_000);
      await submit(key, SMALL, 'k').expect(200);
      const before = await balance(db(), user.id);
      const res = await submit(key, { ...SMALL, prompt: 'a blue cube' }, 'k').expect(422);
      expect(res.body.error).toEqual({ code: 'idempotency_key_reused', message: expect.stringContaining('"k"') });
      expect(await balance(db(), user.id)).toBe(before);
    });

    it('gives each user, and each request without a key, its own job', async () => {
      const a = await h.user(1_000_000);
      const b = await h.user(1_000_000);
      const ids = [
        (await submit(a.key, SMALL, 'shared').expect(200)).body.request_id,
        (await submit(b.key, SMALL, 'shared').expect(200)).body.request_id,
        (await submit(a.key, SMALL).expect(200)).body.request_id,
      ];
      expect(new Set(ids).size).toBe(3);
    });

    it('does not replay an error: after a 402, topping up and retrying with the same key submits', async () => {
      const { user, key } = await h.user(0);
      expect((await submit(key, SMALL, 'after-top-up').expect(402)).body.error.code).toBe('insufficient_credits');
      await addCredits(db(), user.id, 1_000_000);
      const res = await submit(key, SMALL, 'after-top-up').expect(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await charges(user.id)).toBe(1);
    });

    it('charges once when the same request races itself', async () => {
      const { user, key } = await h.user(1_000_000);
      const answers = await Promise.all(Array.from({ length: 6 }, () => submit(key, SMALL, 'race')));
      const ok = answers.filter((r) => r.status === 200);
      // The first reserves the key; a retry that arrives while it runs is told to wait (409).
      expect(answers.every((r) => r.status === 200 || r.status === 409)).toBe(true);
      expect(new Set(ok.map((r) => r.body.request_id)).size).toBe(1);
      expect(await charges(user.id)).toBe(1);
      const replay = await submit(key, SMALL, 'race').expect(200);
      expect(replay.body.request_id).toBe(ok[0]!.body.request_id);
    });

    it('forgets a key once it is older than the retention, then the key starts a new job', async () => {
      const { user, key } = await h.user(1_000_000);
      const first = await submit(key, SMALL, 'old').expect(200);
      expect(await sweepIdempotencyKeys(db(), 0)).toBeGreaterThan(0);
      const second = await submit(key, { ...SMALL, prompt: 'another body is fine now' }, 'old').expect(200);
      expect(second.body.request_id).not.toBe(first.body.request_id);
      expect(await charges(user.id)).toBe(2);
    });

    it.each([
      ['empty', ''],
      ['over 255 characters', 'x'.repeat(256)],
      ['not ASCII', 'clé'],
    ])('refuses a key that is %s with a 400 naming the header', async (_what, bad) => {
      const { user, key } = await h.user(1_000_000);
      const res = await request(h.app)
        .post('/api/v1/inference/submit')
        .set('X-API-Key', key)
        .set('Idempotency-Key', Buffer.from(bad, 'latin1').toString('latin1'))
        .send(SMALL)
        .expect(400);
      expect(res.body.error).toEqual({ code: 'validation_error', message: expect.stringContaining('Idempotency-Key') });
      expect(await charges(user.id)).toBe(0);
    });
  });

  describe('POST /api/v1/storage/image/upload', () => {
    it('stores an image once per key and refuses the key with other bytes', async () => {
      const apps = await storageApps(db());
      const { key } = await h.user(0);
      const upload = (bytes: Buffer) =>
        as(apps.app, key)
          .post('/api/v1/storage/image/upload')
          .set('Idempotency-Key', 'img-1')
          .attach('file', bytes, 'a');
      const first = await upload(png(4, 4)).expect(200);
      const again = await upload(png(4, 4)).expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect((await upload(png(5, 4)).expect(422)).body.error.code).toBe('idempotency_key_reused');
      const { rows } = await db().query('SELECT COUNT(*) AS n FROM images WHERE key = $1', [first.body.key]);
      expect(Number(rows[0]!.n)).toBe(1);
    });
  });
});
