/**
 * Issue 9: NUL characters and unpaired UTF-16 surrogates in any string a request carries (JSON bodies,
 * multipart fields, path ids) are a 400 `validation_error` naming the field, never a 500 from the
 * database, and nothing is charged or stored.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, listKeys } from '../../../server/accounts/keys';
import { balance } from '../../../server/accounts/ledger';
import { createUser, type User } from '../../../server/accounts/users';
import { createApp } from '../../../server/app';
import { fsVideoStorage } from '../../../server/jobs/video-storage';
import { listUserJobs } from '../../../server/jobs/job-store';
import { findUserLora, listUserLoras } from '../../../server/loras/loras';
import { scanModelDirs } from '../../../server/models/registry';
import { DiskFileStore } from '../../../server/storage/file-store';
import { findUserImage } from '../../../server/storage/images';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { tinyLora } from '../../helpers/safetensors';
import { as, TEST_LIMITS } from '../../helpers/storage-app';
import { FIXTURE_MODELS, SMALL } from '../jobs/inference-harness';

const RULE = 'must not contain NUL characters or unpaired surrogates';
const tmp = (name: string) => mkdtemp(path.join(tmpdir(), `phosphene-${name}-`));

let n = 0;

describe.each(DATABASE_KINDS)('NUL and unpaired surrogates in requests on %s', (kind) => {
  const db = useTestDatabase(kind);
  let app: ReturnType<typeof createApp>;
  let user: User;
  let api: ReturnType<typeof as>;

  beforeAll(async () => {
    // Wired as server/index.ts wires it: real image and LoRA lookups, so ids reach the database.
    app = createApp({
      registry: await scanModelDirs([FIXTURE_MODELS]),
      distDir: '/nonexistent',
      db: db(),
      rateLimit: { limit: 10_000, windowMs: 60_000 },
      storage: { files: await DiskFileStore.open(await tmp('storage')), ...TEST_LIMITS },
      jobs: {
        storage: fsVideoStorage(await tmp('videos')),
        lookups: { findImage: findUserImage, findLora: findUserLora },
      },
    });
    user = await createUser(db(), {
      email: `nul-${++n}-${Date.now()}@example.test`,
      tier: 'pro',
      initialMicro: 1_000_000,
    });
    api = as(app, (await createKey(db(), user.id)).secret);
  });

  /** What the user has: credits, jobs, visible LoRAs, keys. */
  const holdings = async () => ({
    balance: await balance(db(), user.id),
    jobs: (await listUserJobs(db(), user.id, { page: 1, pageSize: 10 })).total,
    loras: (await listUserLoras(db(), user.id)).length,
    keys: (await listKeys(db(), user.id)).length,
  });

  /** The answer to `send` must be Phosor's 400 naming `field`, and nothing of the user's may change. */
  async function expectRefused(send: () => PromiseLike<request.Response>, field: string) {
    const before = await holdings();
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.message).toContain(`${field}: ${RULE}`);
    expect(await holdings()).toEqual(before);
  }

  /** A JSON body sent as raw text, so a lone surrogate travels as the escape `\ud800`. */
  const postJson = (url: string, body: object) =>
    api.post(url).set('Content-Type', 'application/json').send(JSON.stringify(body));

  describe('POST /api/v1/inference/submit', () => {
    it.each([
      ['prompt', { prompt: 'a red\u0000ball' }],
      ['negative_prompt', { negative_prompt: 'blurry \ud800' }],
      ['negative_prompt', { negative_prompt: '\udc00 low surrogate first' }],
      ['image_url', { image_url: 'images/img_\u0000.png' }],
      ['lora_id', { lora_id: 'lora_\u0000' }],
    ])('refuses a bad %s with a 400 naming it, charging nothing', async (field, bad) => {
      const raw = JSON.stringify({ ...SMALL, ...bad });
      expect(raw).toMatch(/\\u0000|\\ud800|\\udc00/);
      await expectRefused(() => postJson('/api/v1/inference/submit', { ...SMALL, ...bad }), field);
    });

    it('still accepts a well-formed surrogate pair (an emoji)', async () => {
      const res = await postJson('/api/v1/inference/submit', { ...SMALL, prompt: 'a red ball 🎈' });
      expect(res.status).toBe(200);
      await api.post(`/api/v1/inference/cancel/${res.body.request_id}`).expect(200);
    });
  });

  describe('names written to the database', () => {
    it.each(['key\u0000name', 'key \ud800'])('POST /api/v1/keys refuses the name %j', async (name) => {
      await expectRefused(() => postJson('/api/v1/keys', { name }), 'name');
    });

    it('POST /api/v1/storage/lora/import refuses a NUL in name', async () => {
      const urls = { high_noise_url: 'https://a.example.test/h', low_noise_url: 'https://a.example.test/l' };
      await expectRefused(() => postJson('/api/v1/storage/lora/import', { ...urls, name: 'x\u0000' }), 'name');
    });

    it('POST /api/v1/storage/lora/upload refuses a NUL in the name field', async () => {
      const upload = () =>
        api
          .post('/api/v1/storage/lora/upload')
          .field('name', 'my\u0000style')
          .attach('high_noise', tinyLora(), 'h.safetensors')
          .attach('low_noise', tinyLora(4), 'l.safetensors');
      await expectRefused(upload, 'name');
    });
  });

  describe('%00 as a path id', () => {
    it.each([
      ['get', '/api/v1/inference/status/%00', 'request_id'],
      ['get', '/api/v1/inference/result/%00', 'request_id'],
      ['post', '/api/v1/inference/cancel/%00', 'request_id'],
      ['get', '/api/v1/loras/%00/status', 'lora_id'],
      ['delete', '/api/v1/loras/%00', 'lora_id'],
      ['delete', '/api/v1/keys/%00', 'key_id'],
    ] as const)('%s %s is a 400 naming %s', async (method, url, field) => {
      await expectRefused(() => api[method](url), field);
    });

    it('GET /api/v1/inference/video/%00 (no key) is a 400 naming request_id', async () => {
      const res = await request(app).get('/api/v1/inference/video/%00?expires=1&signature=x');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(`request_id: ${RULE}`);
    });
  });
});
