/**
 * The playground's REST client against the real server (`server/index.ts` in its own process, the tiny
 * fixture model, PGlite): account, quote, a whole job through submit → events → result → MP4, the
 * Idempotency-Key, cancel with a refund, and the errors a person sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobAbortedError } from '../../../src/shared/errors';
import type { GenerateParams } from '../../../src/shared/protocol';
import { modelIdForMode, PhosorClient, type JobEvent, type ServerJob } from '../../../src/ui/server/phosor-client';
import { runServerJob } from '../../../src/ui/server/run-server-job';
import { ServerError } from '../../../src/ui/server/server-error';
import { png } from '../../helpers/images';
import { tinyLora } from '../../helpers/safetensors';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { TINY_PARAMS } from '../../server/jobs/fixtures';

const MODEL = 'phosphene/tiny-test/text-to-video';
const params = (over: Partial<GenerateParams> = {}): GenerateParams => ({ ...TINY_PARAMS, ...over });
const job = (over: Partial<GenerateParams> = {}): ServerJob => ({ model: MODEL, params: params(over) });

describe('PhosorClient against the real server', () => {
  let server: ServerProcess;
  let client: PhosorClient;
  beforeAll(async () => {
    server = await startServerProcess({ WORKERS: '1' });
    client = new PhosorClient({ baseUrl: `${server.url}/`, apiKey: ` ${server.key} ` });
  }, 180_000); // a server process (and a first job) on a loaded 2-core machine
  afterAll(() => server?.stop());

  it('reads the account and prices a job as submit will charge it', async () => {
    const account = await client.account();
    expect(account).toMatchObject({ tier: 'pro', balance: 1000 });
    const quote = await client.quote(job({ num_frames: 8 }));
    expect(quote).toMatchObject({ model: MODEL, num_frames: 9, affordable: true, balance: 1000, route: ['local'] });
    expect(quote.credits).toBeGreaterThan(0);
  });

  it('runs a job to a playable MP4, with every event in order, and charges the quoted price once', async () => {
    const before = (await client.account()).balance_microcredits;
    const quote = await client.quote(job());
    const events: JobEvent[] = [];
    const jobId = crypto.randomUUID();
    const out = await runServerJob(client, job(), { jobId, onEvent: (e) => events.push(e) });
    expect(out.result).toMatchObject({ seed: 7, model: MODEL, provider: 'local' });
    const bytes = new Uint8Array(await out.mp4.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
    expect(events.at(-1)).toMatchObject({ status: 'completed', stage: 'completed', progress: 100 });
    const progress = events.map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // The same Idempotency-Key is the same job: no second job, no second charge.
    expect(await client.submit(job(), jobId)).toBe(out.requestId);
    const after = (await client.account()).balance_microcredits;
    expect(before - after).toBe(Math.round(quote.credits * 1e6));
  }, 60_000);

  it('cancels a running job on the server when the signal aborts, and the server refunds it', async () => {
    const before = (await client.account()).balance_microcredits;
    const controller = new AbortController();
    let requestId = '';
    const run = runServerJob(client, job({ width: 64, num_frames: 17, num_inference_steps: 50 }), {
      jobId: crypto.randomUUID(),
      signal: controller.signal,
      onEvent: (e) => {
        requestId = e.request_id;
        if (e.status === 'processing') controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(JobAbortedError);
    for (let i = 0; i < 100; i++) {
      const status = await client.status(requestId);
      if (status.status === 'failed') {
        expect(status.error?.code).toBe('cancelled');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await client.account()).balance_microcredits).toBe(before);
  }, 60_000);

  it('uploads the first frame once per job and runs the image-to-video id with it', async () => {
    const image = new Blob([new Uint8Array(png(64, 64))], { type: 'image/png' });
    const jobId = crypto.randomUUID();
    const key = await client.uploadImage(image, `${jobId}-image`);
    expect(await client.uploadImage(image, `${jobId}-image`)).toBe(key); // the same key: stored once
    const i2v = modelIdForMode(MODEL, true);
    expect(i2v).toBe('phosphene/tiny-test/image-to-video');
    await expect(client.quote({ model: i2v, params: params() })).rejects.toMatchObject({ status: 400 });
    const out = await runServerJob(client, { model: i2v, params: params(), imageUrl: key }, { jobId });
    expect(out.result.model).toBe(i2v);
    expect(out.mp4.size).toBeGreaterThan(100);
  }, 60_000);

  it('uploads a LoRA pair once per key, lists it, and prices a job with it at 1.25×', async () => {
    const file = () => new Blob([new Uint8Array(tinyLora())]);
    const jobId = crypto.randomUUID();
    const upload = () =>
      client.uploadLora({ high_noise: file(), low_noise: file(), name: 'tiny pair' }, `${jobId}-lora`);
    const loraId = await upload();
    expect(await upload()).toBe(loraId); // the same key: stored once
    expect((await client.loras()).find((l) => l.lora_id === loraId)).toMatchObject({ name: 'tiny pair' });
    const plain = await client.quote(job());
    const adapted = await client.quote({ ...job(), loraId, loraScale: 0.5 });
    expect(adapted.credits).toBeCloseTo(plain.credits * 1.25, 6);
    await expect(client.quote({ ...job(), loraId: 'lora_missing' })).rejects.toMatchObject({ status: 404 });
  });

  it('makes, lists and revokes API keys; a revoked key is refused', async () => {
    const made = await client.createKey('laptop');
    expect(made.api_key).toMatch(/^phk_/);
    expect(made.api_key.startsWith(made.prefix)).toBe(true);
    expect((await client.keys()).find((k) => k.key_id === made.key_id)).toMatchObject({
      name: 'laptop',
      revoked_at: null,
    });
    const other = new PhosorClient({ baseUrl: server.url, apiKey: made.api_key });
    expect((await other.account()).tier).toBe('pro');
    expect((await client.revokeKey(made.key_id)).revoked_at).not.toBeNull();
    await expect(other.account()).rejects.toMatchObject({ status: 401 });
    await expect(client.revokeKey('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('explains a bad key, bad parameters and a server that is not there', async () => {
    const stranger = new PhosorClient({ baseUrl: server.url, apiKey: 'phk_not-a-key' });
    await expect(stranger.account()).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/Settings/) });
    await expect(client.quote(job({ width: 4000 }))).rejects.toMatchObject({
      name: 'ServerError',
      status: 400,
      message: expect.stringMatching(/width|resolution/),
    });
    const nowhere = new PhosorClient({ baseUrl: 'http://127.0.0.1:9', apiKey: server.key });
    await expect(nowhere.account()).rejects.toMatchObject({ status: 0, code: 'unreachable' });
    await expect(client.result('no-such-job')).rejects.toBeInstanceOf(ServerError);
  });

  it('fetches the API’s own URLs from the server it talks to, whatever host name the server put in them', () => {
    const signed = '/api/v1/inference/video/job_1?expires=9&signature=ab';
    expect(client.onThisServer(`http://localhost:1/${signed.slice(1)}`)).toBe(`${server.url}${signed}`);
    expect(client.onThisServer(signed)).toBe(`${server.url}${signed}`);
    expect(client.onThisServer('https://cdn.example.com/v.mp4')).toBe('https://cdn.example.com/v.mp4');
  });

  it('sends the API key to its own server only, never to another host a URL names', async () => {
    const seen: { url: string; key: string | null }[] = [];
    const spy = new PhosorClient({
      baseUrl: 'http://127.0.0.1:1',
      apiKey: 'phk_secret',
      fetch: (input, init) => {
        seen.push({ url: String(input), key: new Headers(init?.headers).get('X-API-Key') });
        return Promise.resolve(new Response('x'));
      },
    });
    await spy.download('https://cdn.example.com/v.mp4?sig=1');
    await spy.download('/api/v1/inference/video/job_1?expires=9&signature=ab');
    expect(seen).toEqual([
      { url: 'https://cdn.example.com/v.mp4?sig=1', key: null },
      { url: 'http://127.0.0.1:1/api/v1/inference/video/job_1?expires=9&signature=ab', key: 'phk_secret' },
    ]);
  });

  it('refuses an answer that is not the API’s, instead of trusting it', async () => {
    const wrong = new PhosorClient({
      baseUrl: server.url,
      apiKey: server.key,
      fetch: () => Promise.resolve(Response.json({ balance: 'lots' })),
    });
    await expect(wrong.account()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('PhosorClient meets the real server’s limits', () => {
  // An API-only node (no worker takes jobs, so they stay queued) with room for two queued jobs, and three
  // users: a starter (one active job), a pro and a pro without credits.
  let server: ServerProcess;
  let starter: PhosorClient, pro: PhosorClient, poor: PhosorClient;
  beforeAll(async () => {
    server = await startServerProcess({ WORKERS: '0', QUEUE_CAPACITY: '2' }, undefined, [
      { tier: 'starter', initialMicro: 1_000_000_000 },
      { tier: 'pro', initialMicro: 1_000_000_000 },
      { tier: 'pro', initialMicro: 1 },
    ]);
    const client = (apiKey: string | undefined) => new PhosorClient({ baseUrl: server.url, apiKey: apiKey! });
    [starter, pro, poor] = [client(server.keys[0]), client(server.keys[1]), client(server.keys[2])];
  }, 180_000);
  afterAll(() => server?.stop());

  const submit = (client: PhosorClient) => client.submit(job(), crypto.randomUUID());

  it('turns 429, 402 and 503 into what the person can do, and charges nothing for a refusal', async () => {
    await submit(starter);
    await expect(submit(starter)).rejects.toMatchObject({
      name: 'ServerError',
      status: 429,
      message: expect.stringMatching(/^Too many requests or jobs at once .* \(The server said: .*starter.*\)$/),
    });

    await expect(submit(poor)).rejects.toMatchObject({
      status: 402,
      code: 'insufficient_credits',
      message: expect.stringMatching(/^Not enough credits .* run it on this device \(free\)/),
    });
    expect((await poor.account()).balance_microcredits).toBe(1);
    // The quote the playground reads before sending says the same without a request that fails.
    expect(await poor.quote(job())).toMatchObject({ affordable: false });

    await submit(pro); // the second queued job: the queue is full now
    const before = (await pro.account()).balance_microcredits;
    await expect(submit(pro)).rejects.toMatchObject({
      status: 503,
      code: 'queue_full',
      message: expect.stringMatching(/^The server’s queue is full right now: try again in a minute/),
    });
    expect((await pro.account()).balance_microcredits).toBe(before);
  });
});
