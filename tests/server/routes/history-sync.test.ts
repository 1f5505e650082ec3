import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { balance, ledger } from '../../../server/accounts/ledger';
import { encodePng } from '../../../server/images/png-encode';
import { storageUsage } from '../../../server/storage/quota';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { downloadVideo } from '../jobs/image-harness';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';
import { MAX_CLIP_IMAGE_BYTES } from '../../../server/routes/history-sync';

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

// A real (2×2) PNG: images are told by their bytes.
const PNG = encodePng(new Uint8Array(16).fill(200), 2, 2);
// An edited clip's recipe beyond its parameters, as the browser's record keeps it.
const EXTRA = {
  sourceId: 'clip-0000-source',
  edits: [
    { op: 'trim', start: 1, end: 9 },
    { op: 'text', text: 'hello', position: 'top', color: '#ffcc00', start_time: 0 },
  ],
  lora: { name: 'watercolour.safetensors', scale: 0.7 },
};

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

  describe('an edited clip’s recipe and conditioning images', () => {
    const images = (key: string, clip: string, slot: string) =>
      as(key).put(`/api/v1/inference/history/${clip}/images/${slot}`).set('content-type', 'image/png');

    it('keeps the recipe and images with the clip, lists them in history, and hands the images back', async () => {
      const { user, key } = await h.user(1_000_000);
      const { body } = await as(key)
        .put('/api/v1/inference/history/clip-0010-abcd')
        .send({ ...RECIPE, recipe: EXTRA })
        .expect(201);
      expect((await images(key, 'clip-0010-abcd', 'image').send(PNG).expect(200)).body).toEqual({
        request_id: body.request_id,
        slot: 'image',
        stored: true,
      });
      expect((await images(key, 'clip-0010-abcd', 'image').send(PNG).expect(200)).body.stored).toBe(false);
      await images(key, 'clip-0010-abcd', 'last_image').send(PNG).expect(200);
      const entry = (await as(key).get('/api/v1/inference/history?since=1970-01-01T00:00:00Z').expect(200)).body
        .data[0];
      expect(entry).toMatchObject({ request_id: body.request_id, clip_images: ['image', 'last_image'] });
      expect(entry.recipe).toEqual(EXTRA);
      const got = await as(key)
        .get(`/api/v1/inference/history/${body.request_id}/images/last_image`)
        .buffer(true)
        .parse((res, done) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => done(null, Buffer.concat(parts)));
        })
        .expect(200);
      expect(got.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(got.body as Buffer, PNG)).toBe(0);
      expect((await storageUsage(db(), user.id)).images).toBe(2 * PNG.length);
    });

    it('shows them to their owner only, and drops them with the clip', async () => {
      const owner = await h.user(1_000_000);
      const other = await h.user(1_000_000);
      const { body } = await as(owner.key).put('/api/v1/inference/history/clip-0011-abcd').send(RECIPE).expect(201);
      await images(owner.key, 'clip-0011-abcd', 'image').send(PNG).expect(200);
      const url = `/api/v1/inference/history/${body.request_id}/images/image`;
      expect((await as(other.key).get(url).expect(404)).body.error.code).toBe('job_not_found');
      // Another user's clip id names nothing of theirs: nothing is stored under it.
      expect((await images(other.key, 'clip-0011-abcd', 'last_image').send(PNG).expect(404)).body.error.code).toBe(
        'not_found',
      );
      await request(h.app).get(url).expect(401);
      expect(
        (
          await as(owner.key)
            .get(url.replace(/image$/, 'last_image'))
            .expect(404)
        ).body.error.code,
      ).toBe('not_found');
      await request(h.app).delete(`/api/v1/inference/history/${body.request_id}`).set('X-API-Key', owner.key);
      await as(owner.key).get(url).expect(404);
      expect((await storageUsage(db(), owner.user.id)).images).toBe(0);
    });

    it('fills in the recipe of a clip first recorded without one, once, moving its updated_at for sync', async () => {
      const { key } = await h.user(1_000_000);
      const clip = '/api/v1/inference/history/clip-0011-abcd';
      const entryOf = async (id: string) =>
        (await as(key).get('/api/v1/inference/history').expect(200)).body.data.find(
          (d: { request_id: string }) => d.request_id === id,
        );
      // Recorded by an app from before recipes were synced (or whose answer was lost before it marked the clip).
      const first = await as(key).put(clip).send(RECIPE).expect(201);
      const before = await entryOf(first.body.request_id);
      expect(before.recipe).toBeNull();
      await sleep(20);
      const again = await as(key)
        .put(clip)
        .send({ ...RECIPE, recipe: EXTRA })
        .expect(200);
      expect(again.body).toEqual({ ...first.body, created: false });
      const filled = await entryOf(first.body.request_id);
      expect(filled.recipe).toEqual(EXTRA);
      // Sync lists what changed since its last answer by updated_at: the filled-in record is listed again.
      expect(Date.parse(filled.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
      // The first recipe stays: a record is one clip, and its recipe does not change afterwards.
      await as(key)
        .put(clip)
        .send({ ...RECIPE, recipe: { edits: [{ op: 'speed', factor: 2 }] } })
        .expect(200);
      const kept = await entryOf(first.body.request_id);
      expect(kept.recipe).toEqual(EXTRA);
      expect(kept.updated_at).toBe(filled.updated_at);
    });

    it('refuses what is not an image, one too large, a bad slot and a bad recipe, saying why', async () => {
      const { key } = await h.user(1_000_000);
      await as(key).put('/api/v1/inference/history/clip-0012-abcd').send(RECIPE).expect(201);
      const notImage = await images(key, 'clip-0012-abcd', 'image').send(Buffer.from('GIF89a not ours')).expect(400);
      expect(notImage.body.error).toEqual({
        code: 'invalid_image',
        message: expect.stringMatching(/Not a JPEG, PNG or WebP/),
      });
      // A PNG signature in front of nothing is refused by structure, not by name.
      await images(key, 'clip-0012-abcd', 'image').send(PNG.subarray(0, 20)).expect(400);
      const big = await images(key, 'clip-0012-abcd', 'image')
        .send(Buffer.concat([PNG, Buffer.alloc(MAX_CLIP_IMAGE_BYTES)]))
        .expect(413);
      expect(big.body.error).toEqual({ code: 'file_too_large', message: expect.stringMatching(/larger than 10 MiB/) });
      const slot = await images(key, 'clip-0012-abcd', 'poster').send(PNG).expect(400);
      expect(slot.body.error.message).toMatch(/slot: must be image or last_image/);
      const steps = await as(key)
        .put('/api/v1/inference/history/clip-0013-abcd')
        .send({ ...RECIPE, recipe: { edits: [{ op: 'spin' }] } })
        .expect(400);
      expect(steps.body.error.message).toMatch(/recipe/);
      const long = await as(key)
        .put('/api/v1/inference/history/clip-0014-abcd')
        .send({ ...RECIPE, recipe: { edits: [{ op: 'join', clip_ids: Array(19).fill('x'.repeat(1000)) }] } })
        .expect(400);
      expect(long.body.error.message).toMatch(/recipe: must be at most 16384 characters/);
      const entries = (await as(key).get('/api/v1/inference/history').expect(200)).body.data;
      expect(entries).toEqual([expect.objectContaining({ recipe: null, clip_images: [] })]);
    });
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
