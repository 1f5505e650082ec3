/**
 * Two (and more) instances of our own server chained on 127.0.0.1: "A" forwards jobs to the upstreams
 * named in its configuration, each a real app with its own database, worker and model, reached over HTTP.
 * A's own database is PGlite and PostgreSQL in turn; the upstreams run on PGlite.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balance } from '../../../server/accounts/ledger';
import type { Database } from '../../../server/db/database';
import { findJob } from '../../../server/jobs/job-store';
import { parseUpstreams, type Upstream } from '../../../server/upstream/config';
import type { JobWorker } from '../../../server/worker/worker';
import { DATABASE_KINDS, openTestDatabase, useTestDatabase } from '../../helpers/databases';
import { png } from '../../helpers/images';
import { downloadVideo, imageHarness, uploadImage, type ImageHarness } from '../jobs/image-harness';
import { SMALL, waitForStatus } from '../jobs/inference-harness';

const TINY_T2V = 'phosphene/tiny-test/text-to-video';
const TINY_I2V = 'phosphene/tiny-test/image-to-video';
const WAN_T2V = 'wan/2.2-14b/text-to-video';
/** 64×64×5 at 480p's 0.002 credits a frame. */
const PRICE_MICRO = 5 * 2000;

/** A running instance: its app on a loopback port, a user's key, and its database. */
interface Instance {
  h: ImageHarness;
  db: Database;
  url: string;
  key: string;
  userId: string;
  server: Server;
  worker?: JobWorker;
}

async function listen(h: ImageHarness): Promise<{ server: Server; url: string }> {
  const server = createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** An upstream instance on its own PGlite; with `worker` false its jobs stay queued. */
async function upstreamInstance(options: { worker: boolean; queueCapacity?: number }): Promise<Instance> {
  const db = await openTestDatabase('pglite');
  const h = await imageHarness(db, [], { queueCapacity: options.queueCapacity });
  const { user, key } = await h.user(10_000_000);
  const { server, url } = await listen(h);
  return { h, db, url, key, userId: user.id, server, worker: options.worker ? h.worker() : undefined };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stop(instance: Instance): Promise<void> {
  await instance.worker?.stop();
  await new Promise((resolve) => instance.server.close(resolve));
  await instance.db.close();
}

describe.each(DATABASE_KINDS)('a server forwarding to upstream servers, its own database on %s', (kind) => {
  const db = useTestDatabase(kind);
  let b: Instance; // serves everything, with a worker
  let full: Instance; // its queue is always full: 503 on submit
  let idle: Instance; // no worker: forwarded jobs wait there
  let upstreams: Upstream[];
  let a: ImageHarness;
  let aWorker: JobWorker;

  beforeAll(async () => {
    [b, full, idle] = await Promise.all([
      upstreamInstance({ worker: true }),
      upstreamInstance({ worker: false, queueCapacity: 0 }),
      upstreamInstance({ worker: false }),
    ]);
    const entry = (name: string, i: Instance, extra = {}) => ({
      name,
      url: i.url,
      api_key: i.key,
      poll_ms: 20,
      ...extra,
    });
    upstreams = parseUpstreams(
      JSON.stringify([
        { name: 'down', url: `http://127.0.0.1:${await closedPort()}`, api_key: 'nobody', poll_ms: 20 },
        entry('b', b, { models: [WAN_T2V, TINY_T2V, TINY_I2V] }),
        entry('full', full),
        entry('idle', idle),
      ]),
      'the test',
    );
    a = await imageHarness(db(), [], { upstreams, modelAliases: false });
    aWorker = a.worker({ upstreams });
  }, 60_000);

  afterAll(async () => {
    await aWorker?.stop();
    await Promise.all([b, full, idle].filter(Boolean).map(stop));
  });

  const submit = (key: string, body: object) =>
    request(a.app).post('/api/v1/inference/submit').set('X-API-Key', key).send(body);
  const result = async (key: string, id: string) =>
    (await request(a.app).get(`/api/v1/inference/result/${id}`).set('X-API-Key', key).expect(200)).body;
  /** The upstream's own record of the job it ran for us (its user's newest). */
  const upstreamHistory = async (i: Instance) =>
    (await request(i.h.app).get('/api/v1/inference/history').set('X-API-Key', i.key).expect(200)).body.data as {
      request_id: string;
      status: string;
      seed: number;
      image_url: string | null;
      error: { code: string } | null;
    }[];

  it('runs a job that only b may run on b, charges once on each side and serves b’s very MP4', async () => {
    const { user, key } = await a.user(1_000_000);
    const before = await balance(b.db, b.userId);
    const { request_id: id } = (await submit(key, { ...SMALL, seed: 77, provider: { only: ['b'] } }).expect(200)).body;
    const done = await waitForStatus(a.app, key, id, (s) => s === 'completed', 60_000);
    expect((done as { provider?: string }).provider).toBe('b');
    const answer = await result(key, id);
    expect(answer.data).toMatchObject({ provider: 'b', model: TINY_T2V, seed: 77 });
    const [upstreamJob] = await upstreamHistory(b);
    expect(upstreamJob).toMatchObject({ status: 'completed', seed: 77 });
    const ours = await downloadVideo(a.app, key, id);
    const theirs = await downloadVideo(b.h.app, b.key, upstreamJob!.request_id);
    expect(ours.subarray(4, 8).toString()).toBe('ftyp');
    expect(Buffer.compare(ours, theirs)).toBe(0);
    expect(await balance(db(), user.id)).toBe(1_000_000 - PRICE_MICRO);
    expect(await balance(b.db, b.userId)).toBe(before - PRICE_MICRO);
  }, 90_000);

  it('falls back past an unreachable upstream and one at capacity, keeping why in the route log', async () => {
    const { user, key } = await a.user(1_000_000);
    const body = { ...SMALL, provider: { order: ['down', 'full', 'local'], ignore: ['b', 'idle'] } };
    const quote = (await request(a.app).post('/api/v1/inference/quote').set('X-API-Key', key).send(body).expect(200))
      .body;
    expect(quote.route).toEqual(['down', 'full', 'local']);
    const { request_id: id } = (await submit(key, body).expect(200)).body;
    await waitForStatus(a.app, key, id, (s) => s === 'completed', 60_000);
    const job = (await findJob(db(), id))!;
    expect(job.provider).toBe('local');
    expect(job.routeLog.map((e) => [e.provider, e.code])).toEqual([
      ['down', 'upstream_unreachable'],
      ['full', 'upstream_capacity'],
    ]);
    expect(job.routeLog[1]!.message).toMatch(/503/);
    expect((await result(key, id)).data).toMatchObject({ provider: 'local', model: TINY_T2V });
    // Charged once, by us; neither upstream kept a job.
    expect(await balance(db(), user.id)).toBe(1_000_000 - PRICE_MICRO);
    expect(await upstreamHistory(full)).toEqual([]);
  }, 90_000);

  it('refunds the job when every provider fails, and says what each did', async () => {
    const { user, key } = await a.user(1_000_000);
    const { request_id: id } = (await submit(key, { ...SMALL, provider: { only: ['down', 'full'] } }).expect(200)).body;
    const failed = await waitForStatus(a.app, key, id, (s) => s === 'failed', 60_000);
    expect(failed.error!.code).toBe('upstream_capacity');
    expect(failed.error!.message).toMatch(
      /^Every provider failed this job; its credits were refunded\. down: .* \| full: /,
    );
    expect(await balance(db(), user.id)).toBe(1_000_000);
  }, 90_000);

  it('with allow_fallbacks false tries only the first provider', async () => {
    const { user, key } = await a.user(1_000_000);
    const body = { ...SMALL, provider: { order: ['down', 'local'], allow_fallbacks: false } };
    const { request_id: id } = (await submit(key, body).expect(200)).body;
    const failed = await waitForStatus(a.app, key, id, (s) => s === 'failed', 60_000);
    expect(failed.error!.code).toBe('upstream_unreachable');
    expect(failed.error!.message).toMatch(/^upstream down: .*ECONNREFUSED.*its credits were refunded\.$/);
    expect(await balance(db(), user.id)).toBe(1_000_000);
  }, 90_000);

  it('sends a Phosor id that aliasing no longer serves here to the upstream mapped to it', async () => {
    const { key } = await a.user(1_000_000);
    // MODEL_ALIASES is off on A: without the mapping this id is unknown (see the alias tests).
    const quote = await request(a.app)
      .post('/api/v1/inference/quote')
      .set('X-API-Key', key)
      .send({ ...SMALL, model: WAN_T2V })
      .expect(200);
    expect(quote.body.route).toEqual(['b']);
    const { request_id: id } = (await submit(key, { ...SMALL, model: WAN_T2V }).expect(200)).body;
    const history = (await request(a.app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200)).body;
    expect(history.data[0]).toMatchObject({ request_id: id, model: WAN_T2V });
    await waitForStatus(a.app, key, id, (s) => s === 'completed', 60_000);
    // b ran it on its alias of that id, and says so: the result names the model that really ran.
    expect((await result(key, id)).data).toMatchObject({ provider: 'b', model: TINY_T2V });
  }, 90_000);

  it('forwards an image-to-video job with its first frame', async () => {
    const { key } = await a.user(1_000_000);
    const image = await uploadImage(a.app, key, png(64, 64));
    const runs = b.h.runs.length;
    const body = { ...SMALL, model: TINY_I2V, image_url: image, seed: 5, provider: { only: ['b'] } };
    const { request_id: id } = (await submit(key, body).expect(200)).body;
    await waitForStatus(a.app, key, id, (s) => s === 'completed', 60_000);
    const [upstreamJob] = await upstreamHistory(b);
    expect(upstreamJob!.image_url).toEqual(expect.any(String));
    expect(b.h.runs.slice(runs).map((r) => r.conditioning?.mode)).toEqual(['image-to-video']);
    expect((await result(key, id)).data).toMatchObject({ provider: 'b', model: TINY_I2V });
  }, 90_000);

  it('cancelling a forwarded job cancels it upstream and refunds it', async () => {
    const { user, key } = await a.user(1_000_000);
    const { request_id: id } = (await submit(key, { ...SMALL, provider: { only: ['idle'] } }).expect(200)).body;
    let upstreamJobs = await upstreamHistory(idle);
    for (let i = 0; i < 400 && upstreamJobs.length === 0; i++) {
      await sleep(25);
      upstreamJobs = await upstreamHistory(idle);
    }
    expect(upstreamJobs[0]).toMatchObject({ status: 'queued' });
    await request(a.app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    for (let i = 0; i < 400 && upstreamJobs[0]!.status === 'queued'; i++) {
      await sleep(25);
      upstreamJobs = await upstreamHistory(idle);
    }
    expect(upstreamJobs[0]).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
    expect(await balance(db(), user.id)).toBe(1_000_000);
    expect(await balance(idle.db, idle.userId)).toBe(10_000_000);
  }, 90_000);

  it('refuses unknown providers, and preferences that leave none, before charging', async () => {
    const { user, key } = await a.user(1_000_000);
    const unknown = await submit(key, { ...SMALL, provider: { order: ['nowhere'] } }).expect(400);
    expect(unknown.body.error.message).toBe(
      'Invalid request: provider.order: unknown provider "nowhere"; this server knows local, down, b, full, idle.',
    );
    const none = await submit(key, { ...SMALL, provider: { only: ['local'], ignore: ['local'] } }).expect(400);
    expect(none.body.error.code).toBe('no_provider');
    expect(await balance(db(), user.id)).toBe(1_000_000);
  });
});
