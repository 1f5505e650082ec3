import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app';
import { findJob } from '../../../server/jobs/job-store';
import { sweepLoras } from '../../../server/loras/sweeper';
import { findUserLora } from '../../../server/loras/loras';
import { DiskFileStore } from '../../../server/storage/file-store';
import { findUserImage } from '../../../server/storage/images';
import { sweepRetention } from '../../../server/storage/retention';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { png } from '../../helpers/images';
import { inferenceHarness, SMALL, waitForStatus, type InferenceHarness } from '../jobs/inference-harness';

describe.each(DATABASE_KINDS)('storage quota and retention on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let files: DiskFileStore;
  /** An app whose users may store `quota` bytes each. */
  const appWithQuota = (quota?: number) =>
    createApp({
      registry: h.registry,
      distDir: '/nonexistent',
      db: db(),
      rateLimit: { limit: 10_000, windowMs: 60_000 },
      storage: { files, storageQuotaBytes: quota },
      jobs: {
        storage: h.storage,
        lookups: { findImage: findUserImage, findLora: findUserLora },
        storageQuotaBytes: quota,
      },
    });
  beforeAll(async () => {
    h = await inferenceHarness(db());
    files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-quota-')));
  });
  /** A fresh user and one job of theirs run to completion on `app`. */
  const completedJob = async (app: ReturnType<typeof createApp>) => {
    const { key } = await h.user(1_000_000);
    const id = (await request(app).post('/api/v1/inference/submit').set('X-API-Key', key).send(SMALL).expect(200)).body
      .request_id as string;
    const worker = h.worker({ files });
    try {
      await waitForStatus(app, key, id, (s) => s === 'completed');
    } finally {
      await worker.stop();
    }
    return { key, id };
  };
  const upload = (app: ReturnType<typeof createApp>, key: string, bytes: Buffer) =>
    request(app).post('/api/v1/storage/image/upload').set('X-API-Key', key).attach('file', bytes, 'a.png');
  const account = async (app: ReturnType<typeof createApp>, key: string) =>
    (await request(app).get('/api/v1/account').set('X-API-Key', key).expect(200)).body;

  it('counts uploads against the quota, refuses the one that would pass it (413), and shows the use', async () => {
    const image = png(6, 6);
    const app = appWithQuota(image.length * 2 + 10);
    const { key } = await h.user(1_000_000);
    await upload(app, key, image).expect(200);
    await upload(app, key, image).expect(200);
    const refused = await upload(app, key, image).expect(413);
    expect(refused.body.error).toMatchObject({
      code: 'storage_quota_exceeded',
      message: expect.stringContaining('DELETE /api/v1/loras'),
    });
    expect((await account(app, key)).storage).toEqual({
      used_bytes: image.length * 2,
      quota_bytes: image.length * 2 + 10,
      images_bytes: image.length * 2,
      loras_bytes: 0,
      videos_bytes: 0,
    });
  });

  it('counts a finished job’s video, and refuses a submit once the user is at the quota', async () => {
    const app = appWithQuota();
    const { key } = await completedJob(app);
    const videoBytes = (await account(app, key)).storage.videos_bytes;
    expect(videoBytes).toBeGreaterThan(100);
    const full = appWithQuota(videoBytes);
    const res = await request(full).post('/api/v1/inference/submit').set('X-API-Key', key).send(SMALL).expect(413);
    expect(res.body.error.code).toBe('storage_quota_exceeded');
  });

  it('removes videos past retention (result then answers 410, history keeps the job)', async () => {
    const app = appWithQuota();
    const { key, id } = await completedJob(app);
    const file = h.storage.localPath((await findJob(db(), id))!.videoKey!);
    expect(existsSync(file)).toBe(true);
    // A day's retention keeps it; none removes it.
    await sweepRetention(
      db(),
      { videos: h.storage, files },
      { videoRetentionMs: 86_400_000, imageRetentionMs: 86_400_000 },
    );
    expect(existsSync(file)).toBe(true);
    const swept = await sweepRetention(
      db(),
      { videos: h.storage, files },
      { videoRetentionMs: 0, imageRetentionMs: 86_400_000 },
    );
    expect(swept.videos).toBeGreaterThanOrEqual(1);
    expect(existsSync(file)).toBe(false);
    const result = await request(app).get(`/api/v1/inference/result/${id}`).set('X-API-Key', key).expect(410);
    expect(result.body.error).toMatchObject({ code: 'video_expired', message: expect.stringContaining('seed') });
    const history = await request(app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200);
    expect(history.body.data.map((j: { request_id: string }) => j.request_id)).toContain(id);
    expect((await account(app, key)).storage.videos_bytes).toBe(0);
  });

  it('expires a synced browser clip with its video and conditioning images, and skips one whose MP4 never came', async () => {
    const app = appWithQuota();
    const { key } = await h.user(1_000_000);
    const put = (url: string) => request(app).put(url).set('X-API-Key', key);
    const clip = { prompt: 'a synced clip', model: 'phosphene/tiny-test/text-to-video', width: 64, height: 64 };
    const params = { ...clip, num_frames: 9, frames_per_second: 8, num_inference_steps: 1, guidance_scale: 1, seed: 1 };
    // One record with its MP4 and a conditioning image; one whose MP4 was never uploaded (no video key).
    const whole = (await put('/api/v1/inference/history/clip-ret-1').send(params).expect(201)).body.request_id;
    await put('/api/v1/inference/history/clip-ret-1/images/image').set('content-type', 'image/png').send(png(4, 4));
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0])]);
    await put('/api/v1/inference/history/clip-ret-1/video').set('content-type', 'video/mp4').send(mp4).expect(200);
    const bare = (await put('/api/v1/inference/history/clip-ret-2').send(params).expect(201)).body.request_id;
    await put('/api/v1/inference/history/clip-ret-2/images/image').set('content-type', 'image/png').send(png(4, 4));

    const before = (await account(app, key)).storage.images_bytes as number;
    await sweepRetention(db(), { videos: h.storage, files }, { videoRetentionMs: 0, imageRetentionMs: 86_400_000 });
    const images = async (id: string) =>
      Number(
        (await db().query<{ n: string }>('SELECT COUNT(*) AS n FROM clip_images WHERE job_id = $1', [id])).rows[0]!.n,
      );
    expect((await findJob(db(), whole))!.videoRemovedAt).not.toBeNull();
    expect(await images(whole)).toBe(0); // its images went with its video
    expect((await findJob(db(), bare))!.videoRemovedAt).toBeNull(); // nothing to remove
    expect(await images(bare)).toBe(1);
    expect((await account(app, key)).storage.images_bytes).toBe(before / 2);
  });

  it('keeps an image a queued job needs past its retention, and removes it once the job has ended', async () => {
    const app = appWithQuota();
    const { key } = await h.user(1_000_000);
    const used = (await upload(app, key, png(8, 8)).expect(200)).body.key as string;
    const unused = (await upload(app, key, png(9, 9)).expect(200)).body.key as string;
    const i2v = { ...SMALL, model: 'phosphene/tiny-test/image-to-video', image_url: used };
    const id = (await request(app).post('/api/v1/inference/submit').set('X-API-Key', key).send(i2v).expect(200)).body
      .request_id;
    const settings = { videoRetentionMs: 86_400_000, imageRetentionMs: 0 };
    await sweepRetention(db(), { videos: h.storage, files }, settings);
    await expect(files.read(unused)).rejects.toThrow();
    expect(await files.read(used)).toBeTruthy();
    await request(app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    await sweepRetention(db(), { videos: h.storage, files }, settings);
    await expect(files.read(used)).rejects.toThrow();
  });

  it('keeps an expired LoRA a queued job names until that job has ended', async () => {
    const app = appWithQuota();
    const { user, key } = await h.user(1_000_000);
    const { rows } = await db().query<{ id: string }>(
      `INSERT INTO loras (id, user_id, status, source, high_noise_bytes, low_noise_bytes, expires_at)
       VALUES ('lora_quota_test_' || md5(random()::text), $1, 'ready', 'upload', 1, 1, now() + interval '1 hour') RETURNING id`,
      [user.id],
    );
    const loraId = rows[0]!.id;
    const id = (
      await request(app)
        .post('/api/v1/inference/submit')
        .set('X-API-Key', key)
        .send({ ...SMALL, lora_id: loraId })
        .expect(200)
    ).body.request_id;
    await db().query("UPDATE loras SET expires_at = now() - interval '1 second' WHERE id = $1", [loraId]);
    const deletedAt = async () =>
      (await db().query<{ deleted_at: unknown }>('SELECT deleted_at FROM loras WHERE id = $1', [loraId])).rows[0]!
        .deleted_at;
    await sweepLoras(db(), files);
    expect(await deletedAt()).toBeNull();
    await request(app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    await sweepLoras(db(), files);
    expect(await deletedAt()).not.toBeNull();
  });
});
