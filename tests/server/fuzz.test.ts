/**
 * The whole API under hostile input: 10,000 generated requests (fast-check, fixed seed) across every
 * route of the OpenAPI document, sent over a real socket by an attacker who also knows a victim's ids.
 * Nothing may answer 500, every error keeps the one error shape, no answer carries the victim's data,
 * the victim's things survive, and the ledger still balances afterwards.
 */
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../server/accounts/keys';
import { createUser } from '../../server/accounts/users';
import { createApp } from '../../server/app';
import { answerClientErrorsAsJson } from '../../server/client-errors';
import { fsVideoStorage } from '../../server/jobs/video-storage';
import { findUserLora } from '../../server/loras/loras';
import { scanModelDirs } from '../../server/models/registry';
import { openApiDocument } from '../../server/openapi/document';
import { DiskFileStore } from '../../server/storage/file-store';
import { findUserImage } from '../../server/storage/images';
import { useTestDatabase } from '../helpers/databases';
import { png } from '../helpers/images';
import { tinyLora } from '../helpers/safetensors';
import { FIXTURE_MODELS } from './jobs/inference-harness';

// FUZZ_RUNS shortens a local try; CI runs the full 10,000.
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = 20_261_206;

/** One raw HTTP exchange. */
interface Exchange {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

let port = 0;

function send(x: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: x.method,
        path: x.path,
        // Node's client frames a GET's body only with a length; without one the bytes would read as the next request.
        headers: x.body ? { ...x.headers, 'content-length': String(x.body.length) } : x.headers,
        agent: false,
      },
      (res) => {
        // An event stream of a job that never ends would never end either: its status is the answer.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, contentType: 'text/event-stream', text: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(x.body);
  });
}

// Values a careless server mishandles: numbers at and past every limit, NaN-ish text, wrong types.
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, 1e308, -1e308, 5e-324, 4, 5, 81, 854, 480, 1920, 1080),
);
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '../../../../etc/passwd',
    '..\\..\\windows\\win.ini',
    'http://169.254.169.254/latest/meta-data/',
    'https://127.0.0.1/x.safetensors',
    'file:///etc/passwd',
    "'; DROP TABLE jobs; --",
    'NaN',
    'Infinity',
    '<script>alert(1)</script>',
    'a red ball bouncing',
  ),
  fc.constant('p'.repeat(70_000)),
);
// Routing preferences (`provider`): names that may be real, hostile, or of the wrong type.
const providerName = fc.oneof(fc.constantFrom('local', 'nowhere'), hostileString);
const providerPrefs = fc.record(
  {
    order: fc.oneof(fc.array(providerName, { maxLength: 20 }), hostileString),
    only: fc.array(providerName, { maxLength: 3 }),
    ignore: fc.array(providerName, { maxLength: 3 }),
    allow_fallbacks: fc.oneof(fc.boolean(), hostileNumber),
  },
  { requiredKeys: [] },
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  providerPrefs,
  { weight: 3, arbitrary: hostileNumber },
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }),
);
const FIELDS = [
  'prompt',
  'negative_prompt',
  'model',
  'width',
  'height',
  'num_frames',
  'num_inference_steps',
  'guidance_scale',
  'seed',
  'frames_per_second',
  'image_url',
  'lora_id',
  'lora_scale',
  'url',
  'high_noise_url',
  'low_noise_url',
  'name',
  'page',
  'page_size',
  'webhook',
  'provider',
  '__proto__',
  'constructor',
];
const jsonObject = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 10 })), hostileValue, {
  maxKeys: 8,
});
// A body that passes most checks, with up to two fields made hostile: reaches the deeper code.
const VALID_SUBMIT = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1 };
const nearValid = fc
  .dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 2 })
  .map((changes) => ({ ...VALID_SUBMIT, ...changes }));
const brokenJson = fc.constantFrom(
  '{"prompt":',
  '{"prompt":"a"',
  'NaN',
  '[',
  '{"width":1e99999}',
  '{"prompt":"\\ud800"}',
  '{"prompt":"\\u0000"}',
  '{"a":{"b":{"c":{"d":{"e":[[[[[[[[[[]]]]]]]]]]}}}}}',
  'null',
  '"just a string"',
  '\u0000\u0001\u0002',
);

/** A multipart body: the given parts, optionally cut short while the content length still matches. */
function multipart(parts: { name: string; filename?: string; bytes: Buffer }[], truncateAt?: number) {
  const boundary = 'fuzzboundary7MA4YWxkTrZu0gW';
  const pieces: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    pieces.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`),
      p.bytes,
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  let body = Buffer.concat(pieces);
  if (truncateAt !== undefined) body = body.subarray(0, Math.floor(truncateAt * body.length));
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Every UTF-8 byte of `text` as %XX (a lone surrogate becomes U+FFFD's bytes; `%ED%A0%80` is tried on its own). */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const db = useTestDatabase('pglite');

describe('the API under 10,000 hostile requests (fast-check, PGlite, fixed seed)', () => {
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  const attacker = { key: '', ids: [] as string[] };
  const victim = { key: '', userId: '', email: '', job: '', image: '', lora: '', keyId: '' };
  const PROMPT_MARK = 'victim-secret-prompt-4f1c';
  const LORA_MARK = 'victim-secret-lora-9b2e';

  beforeAll(async () => {
    const registry = await scanModelDirs([FIXTURE_MODELS]);
    const files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-fuzz-files-')));
    const storage = fsVideoStorage(await mkdtemp(path.join(tmpdir(), 'phosphene-fuzz-videos-')));
    const app = createApp({
      registry,
      distDir: '/nonexistent',
      db: db(),
      // Limits off: after 60 guessed keys the address would be refused for the rest of the run, and
      // everything after would test only the limiter (tests/server/auth/rate-limit.test.ts covers it).
      rateLimit: { limit: 1_000_000, windowMs: 60_000, failedAuthLimit: 1_000_000 },
      storage: { files, maxImageBytes: 64 * 1024, maxLoraBytes: 16 * 1024 },
      jobs: { storage, lookups: { findImage: findUserImage, findLora: findUserLora } },
      bodyTimeoutMs: 5_000,
    });
    server = app.listen(0, '127.0.0.1');
    answerClientErrorsAsJson(server);
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;

    const v = await createUser(db(), { email: 'victim-fuzz@example.test', tier: 'pro', initialMicro: 50_000_000 });
    const vKey = await createKey(db(), v.id, 'victim');
    Object.assign(victim, { key: vKey.secret, userId: v.id, email: v.email, keyId: vKey.key.id });
    const as = (key: string, x: Omit<Exchange, 'headers'> & { headers?: Record<string, string> }) =>
      send({ ...x, headers: { 'x-api-key': key, ...x.headers } });
    const json = (body: object) => ({
      body: Buffer.from(JSON.stringify(body)),
      headers: { 'content-type': 'application/json' },
    });
    const submitted = await as(victim.key, {
      method: 'POST',
      path: '/api/v1/inference/submit',
      ...json({ prompt: PROMPT_MARK, width: 64, height: 64, num_frames: 5 }),
    });
    victim.job = JSON.parse(submitted.text).request_id;
    const img = multipart([{ name: 'file', filename: 'a.png', bytes: png(4, 4) }]);
    victim.image = JSON.parse(
      (
        await as(victim.key, {
          method: 'POST',
          path: '/api/v1/storage/image/upload',
          body: img.body,
          headers: { 'content-type': img.contentType },
        })
      ).text,
    ).key;
    const lora = multipart([
      { name: 'high_noise', filename: 'h.safetensors', bytes: tinyLora() },
      { name: 'low_noise', filename: 'l.safetensors', bytes: tinyLora() },
      { name: 'name', bytes: Buffer.from(LORA_MARK) },
    ]);
    victim.lora = JSON.parse(
      (
        await as(victim.key, {
          method: 'POST',
          path: '/api/v1/storage/lora/upload',
          body: lora.body,
          headers: { 'content-type': lora.contentType },
        })
      ).text,
    ).lora_id;
    expect([victim.job, victim.image, victim.lora].every((id) => typeof id === 'string')).toBe(true);

    const a = await createUser(db(), { email: 'attacker-fuzz@example.test', tier: 'pro', initialMicro: 5_000_000 });
    attacker.key = (await createKey(db(), a.id, 'attacker')).secret;
    const own = await as(attacker.key, {
      method: 'POST',
      path: '/api/v1/inference/submit',
      ...json({ prompt: 'mine', width: 64, height: 64, num_frames: 5 }),
    });
    attacker.ids.push(JSON.parse(own.text).request_id);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers every request without a 500, in the error shape, with nothing of another user', async () => {
    const operations = Object.entries(openApiDocument('fuzz').paths ?? {}).flatMap(([template, item]) =>
      ['get', 'post', 'delete']
        .filter((m) => (item as Record<string, unknown>)[m])
        .map((m) => ({ method: m.toUpperCase(), template })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const victimIds = [victim.job, victim.image, victim.lora, victim.keyId];
    const pathId = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...victimIds, ...attacker.ids).map(encodeURIComponent) },
      { weight: 2, arbitrary: hostileString.map((s) => percentEncode(s.slice(0, 300))) },
      fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%00', '%2e%2e', '%ED%A0%80', '%F0%9F%92%A9', '%ZZ', 'a%'),
    );
    const query = fc.option(
      fc.dictionary(fc.constantFrom('page', 'page_size', 'expires', 'signature', 'since', 'x'), hostileValue, {
        maxKeys: 3,
      }),
      { nil: undefined },
    );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: jsonObject.map((o) => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify(o)) })),
      },
      {
        weight: 4,
        arbitrary: nearValid.map((o) => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify(o)) })),
      },
      { weight: 2, arbitrary: brokenJson.map((t) => ({ type: 'application/json', bytes: Buffer.from(t) })) },
      fc.constant({ type: 'application/json', bytes: Buffer.from(JSON.stringify({ prompt: 'x'.repeat(1_100_000) })) }),
      fc
        .record({
          parts: fc.array(
            fc.record({
              name: fc.constantFrom('file', 'image', 'high_noise', 'low_noise', 'name', 'other', '../x'),
              filename: fc.option(fc.constantFrom('a.png', 'l.safetensors', '../../etc/passwd', 'x\u0000.png', ''), {
                nil: undefined,
              }),
              bytes: fc.oneof(
                fc.constant(png(3, 3)),
                fc.constant(tinyLora()),
                fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
              ),
            }),
            { maxLength: 4 },
          ),
          truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        })
        .map(({ parts, truncate }) => {
          const m = multipart(parts, truncate);
          return { type: m.contentType, bytes: m.body };
        }),
      fc.constantFrom(
        { type: 'text/plain', bytes: Buffer.from('{"prompt":"a"}') },
        { type: 'multipart/form-data', bytes: Buffer.from('no boundary') },
        { type: 'application/x-www-form-urlencoded', bytes: Buffer.from('prompt=a&width=64') },
      ),
      fc.constant(undefined),
    );
    const auth = fc.oneof(
      { weight: 10, arbitrary: fc.constant(attacker.key) },
      fc.constantFrom(undefined, '', 'phk_not_a_key', `${victim.key.slice(0, -2)}xx`),
    );
    const exchange = fc
      .record({
        op: fc.constantFrom(...operations),
        id: pathId,
        query,
        body,
        auth,
        idempotencyKey: fc.option(fc.constantFrom('k1', 'k2', '\u00e9', 'x'.repeat(300)), { nil: undefined }),
      })
      .map(({ op, id, query, body, auth, idempotencyKey }): Exchange => {
        const search = query
          ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? v : String(JSON.stringify(v))]))}`
          : '';
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers['x-api-key'] = auth;
        if (idempotencyKey !== undefined)
          headers['idempotency-key'] = Buffer.from(idempotencyKey, 'utf8').toString('latin1');
        if (body) headers['content-type'] = body.type;
        return { method: op.method, path: op.template.replace(/\{\w+\}/g, id) + search, headers, body: body?.bytes };
      });

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(exchange, async (x) => {
        const answer = await send(x);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `${x.method} ${x.path.slice(0, 200)}`;
        expect(answer.status, where).not.toBe(500);
        expect(answer.status < 500 || answer.text.includes('"no_models"'), where).toBe(true);
        if (answer.status >= 400) {
          expect(answer.contentType, `${where} → ${answer.status} ${answer.text.slice(0, 200)}`).toMatch(
            /^application\/json/,
          );
          const error = (JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } }).error;
          expect(typeof error?.code === 'string' && typeof error.message === 'string', where).toBe(true);
        }
        // The victim's data never shows, and their ids only where the attacker sent them (a 404 names the id).
        for (const secret of [PROMPT_MARK, LORA_MARK, victim.email, victim.key])
          expect(answer.text.includes(secret), where).toBe(false);
        for (const id of victimIds)
          if (answer.text.includes(id))
            expect(x.path.includes(encodeURIComponent(id)) || x.path.includes(id), where).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The spread shows the run reached past validation: successes, refusals and not-founds all occurred.
    console.log('fuzz statuses', JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]))));
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 10);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(RUNS / 20);
  }, 600_000);

  it('leaves the service up, the victim’s things intact and the ledger balanced', async () => {
    const account = await send({ method: 'GET', path: '/api/v1/account', headers: { 'x-api-key': victim.key } });
    expect(account.status).toBe(200);
    const status = JSON.parse(
      (
        await send({
          method: 'GET',
          path: `/api/v1/inference/status/${victim.job}`,
          headers: { 'x-api-key': victim.key },
        })
      ).text,
    );
    expect(status.status).toBe('queued');
    const lora = await send({
      method: 'GET',
      path: `/api/v1/loras/${victim.lora}/status`,
      headers: { 'x-api-key': victim.key },
    });
    expect(JSON.parse(lora.text)).toMatchObject({ status: 'ready' });
    expect(await findUserImage(db(), victim.userId, victim.image)).toBeDefined();
    const keys = await db().query<{ revoked_at: unknown }>('SELECT revoked_at FROM api_keys WHERE id = $1', [
      victim.keyId,
    ]);
    expect(keys.rows[0]!.revoked_at).toBeNull();
    // Every balance is its entries' sum and never negative; each job has one charge of its price and a
    // refund of it exactly when it failed.
    const users = await db().query<{ id: string; sum: unknown }>(
      'SELECT u.id, COALESCE(SUM(l.amount), 0) AS sum FROM users u LEFT JOIN credit_ledger l ON l.user_id = u.id GROUP BY u.id',
    );
    for (const u of users.rows) expect(Number(u.sum)).toBeGreaterThanOrEqual(0);
    const jobs = await db().query<{
      id: string;
      status: string;
      source: string;
      cost: unknown;
      charges: unknown;
      refunds: unknown;
    }>(
      `SELECT j.id, j.status, j.source, j.cost_micro AS cost,
         (SELECT array_agg(amount) FROM credit_ledger WHERE job_id = j.id AND kind = 'charge') AS charges,
         (SELECT array_agg(amount) FROM credit_ledger WHERE job_id = j.id AND kind = 'refund') AS refunds
       FROM jobs j`,
    );
    expect(jobs.rows.length).toBeGreaterThan(2);
    for (const j of jobs.rows) {
      // A clip recorded from a browser (source local) is free: no charge at all.
      expect(((j.charges as unknown[] | null) ?? []).map(Number)).toEqual(
        j.source === 'local' ? [] : [-Number(j.cost)],
      );
      expect(((j.refunds as unknown[] | null) ?? []).map(Number)).toEqual(
        j.status === 'failed' ? [Number(j.cost)] : [],
      );
    }
  });
});
