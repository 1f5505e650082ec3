import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { balance, ledger } from '../../../server/accounts/ledger';
import { storageUsage } from '../../../server/storage/quota';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { downloadVideo } from '../jobs/image-harness';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';

const RECIPE = {
  prompt: 'a red ball made in the browser',
  model: 'phosphene/phosphene-v1/text-to-video',
  width: 256,
  height: 144,
  num_frames: 17,
  frames_per_second: 16,
  num_inference_steps: 4,
  guidance_scale: 1,
  seed: 7,
};
// The smallest thing that passes as an MP4: a 16-byte ftyp box.
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0])]);

describe.each(DATABASE_KINDS)('history sync on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });
  const as = (key: string) => ({
    put: (url: string) => request(h.app).put(url).set('X-API-Key', key),
    get: (url: string) => request(h.app).get(url).set('X-API-Key', key),
  });

  it('records a browser clip once by its client id, free, and shows it in history', async () => {
    const { user, key } = await h.user(1_000_000);
    const first = await as(key).put('/api/v1/inference/history/clip-0001-abcd').send(RECIPE).expect(201);
    const again = await as(key).put('/api/v1/inference/history/clip-0001-abcd').send(RECIPE).expect(200);
    expect(again.body).toEqual({ ...first.body, created: false });
    expect(await balance(db(), user.id)).toBe(1_000_000);
    expect((await ledger(db(), user.id, { page: 1, pageSize: 10 })).entries.map((e) => e.kind)).toEqual(['grant']);
    const { body } = await as(key).get('/api/v1/inference/history').expect(200);
    expect(body.total).toBe(1);
    expect(body.data[0]).toMatchObject({
      request_id: first.body.request_id,
      status: 'completed',
      source: 'local',
      client_id: 'clip-0001-abcd',
      credits: 0,
      prompt: RECIPE.prompt,
      seed: 7,
      has_video: false,
    });
    const result = await as(key).get(`/api/v1/inference/result/${first.body.request_id}`).expect(404);
    expect(result.body.error.code).toBe('video_not_uploaded');
  });

  it('takes the clip’s MP4 once, then serves it through result like a server job’s', async () => {
    const { key } = await h.user(1_000_000);
    const { body } = await as(key).put('/api/v1/inference/history/clip-0002-abcd').send(RECIPE).expect(201);
    const put = () =>
      as(key).put('/api/v1/inference/history/clip-0002-abcd/video').set('content-type', 'video/mp4').send(MP4);
    expect((await put().expect(200)).body).toEqual({ request_id: body.request_id, stored: true });
    expect((await put().expect(200)).body).toEqual({ request_id: body.request_id, stored: false });
    const video = await downloadVideo(h.app, key, body.request_id);
    expect(Buffer.compare(video, MP4)).toBe(0);
  });

  it('deletes an entry for its owner only: its MP4 goes, Phosor’s history hides it, a sync lists the tombstone', async () => {
    const { user, key } = await h.user(1_000_000);
    const other = await h.user(1_000_000);
    const { body } = await as(key).put('/api/v1/inference/history/clip-0009-abcd').send(RECIPE).expect(201);
    await as(key).put('/api/v1/inference/history/clip-0009-abcd/video').set('content-type', 'video/mp4').send(MP4);
    const file = h.storage.localPath(`${body.request_id}.mp4`);
    expect(existsSync(file)).toBe(true);
    expect((await storageUsage(db(), user.id)).videos).toBe(MP4.length);
    const del = (k: string) =>
      request(h.app).delete(`/api/v1/inference/history/${body.request_id}`).set('X-API-Key', k);
    expect((await del(other.key).expect(404)).body.error.code).toBe('job_not_found');
    const before = new Date(Date.now() - 1000).toISOString();
    expect((await del(key).expect(200)).body).toEqual({ request_id: body.request_id, deleted: true });
    expect(existsSync(file)).toBe(false);
    expect((await storageUsage(db(), user.id)).videos).toBe(0);
    await del(key).expect(404);
    await as(key).get(`/api/v1/inference/status/${body.request_id}`).expect(404);
    const phosor = (await as(key).get('/api/v1/inference/history').expect(200)).body.data as { request_id: string }[];
    expect(phosor.map((e) => e.request_id)).not.toContain(body.request_id);
    const sync = (await as(key).get(`/api/v1/inference/history?since=${before}`).expect(200)).body.data as {
      request_id: string;
      deleted_at: string | null;
    }[];
    expect(sync.find((e) => e.request_id === body.request_id)?.deleted_at).toEqual(expect.any(String));
  });

  it('refuses what is not an MP4, a bad client id, and another user’s clip', async () => {
    const owner = await h.user(1_000_000);
    const other = await h.user(1_000_000);
    await as(owner.key).put('/api/v1/inference/history/clip-0003-abcd').send(RECIPE).expect(201);
    await as(owner.key)
      .put('/api/v1/inference/history/clip-0003-abcd/video')
      .set('content-type', 'video/mp4')
      .send(Buffer.from('not a video at all'))
      .expect(400);
    await as(other.key)
      .put('/api/v1/inference/history/clip-0003-abcd/video')
      .set('content-type', 'video/mp4')
      .send(MP4)
      .expect(404);
    const bad = await as(owner.key).put('/api/v1/inference/history/..%2F..').send(RECIPE).expect(400);
    expect(bad.body.error.message).toMatch(/client_id/);
    const missing = await as(owner.key)
      .put('/api/v1/inference/history/clip-0004-abcd')
      .send({ prompt: 'x' })
      .expect(400);
    expect(missing.body.error.message).toMatch(/model/);
  });

  it('pages by cursor, and since returns only what changed, so two devices converge', async () => {
    const { key } = await h.user(1_000_000);
    for (let i = 0; i < 5; i++)
      await as(key)
        .put(`/api/v1/inference/history/page-${i}-abcdefgh`)
        .send({ ...RECIPE, seed: i })
        .expect(201);
    const seen: number[] = [];
    let cursor: string | null = null;
    let synced = '';
    do {
      const page: { body: { data: { seed: number }[]; next_cursor: string | null; synced_at: string } } = await as(key)
        .get(`/api/v1/inference/history?page_size=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...page.body.data.map((d) => d.seed));
      cursor = page.body.next_cursor;
      synced ||= page.body.synced_at;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    // Past the overlap, another device's new clip is all that "since" returns.
    await sleep(5_100);
    const later = new Date().toISOString();
    await as(key)
      .put('/api/v1/inference/history/page-9-abcdefgh')
      .send({ ...RECIPE, seed: 9 })
      .expect(201);
    const changes = await as(key).get(`/api/v1/inference/history?since=${later}`).expect(200);
    expect(changes.body.data.map((d: { seed: number }) => d.seed)).toEqual([9]);
    const all = await as(key).get(`/api/v1/inference/history?since=${synced}`).expect(200);
    expect(all.body.total).toBe(6);
    await as(key).get('/api/v1/inference/history?cursor=abc').expect(400);
    await as(key).get('/api/v1/inference/history?since=yesterday').expect(400);
  });

  it('keeps server jobs charged as before beside free local ones', async () => {
    const { user, key } = await h.user(1_000_000);
    await request(h.app).post('/api/v1/inference/submit').set('X-API-Key', key).send(SMALL).expect(200);
    await as(key).put('/api/v1/inference/history/clip-0005-abcd').send(RECIPE).expect(201);
    expect(await balance(db(), user.id)).toBe(1_000_000 - 5 * 2000);
    const { body } = await as(key).get('/api/v1/inference/history').expect(200);
    expect(body.data.map((d: { source: string }) => d.source)).toEqual(['local', 'server']);
    await request(h.app).post(`/api/v1/inference/cancel/${body.data[1].request_id}`).set('X-API-Key', key).expect(200);
  });
});
