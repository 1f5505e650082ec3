import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ledger } from '../../../server/accounts/ledger';
import { expireJobs } from '../../../server/jobs/sweeper';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { JPEG_3X2, WEBP_LOSSY_3X2, png } from '../../helpers/images';
import { describeVideoTrack } from '../../helpers/mp4-boxes';
import { downloadVideo, imageHarness, psnrRgb, uploadImage, type ImageHarness } from '../jobs/image-harness';
import { SMALL, waitForStatus } from '../jobs/inference-harness';

const TINY_T2V = 'phosphene/tiny-test/text-to-video';
const TINY_I2V = 'phosphene/tiny-test/image-to-video';
const FRAME = 64 * 64 * 4;

describe.each(DATABASE_KINDS)('image-to-video submits on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: ImageHarness;
  beforeAll(async () => {
    h = await imageHarness(db());
  });
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));

  const submit = (key: string, body: object) =>
    request(h.app).post('/api/v1/inference/submit').set('X-API-Key', key).send(body);
  const history = async (key: string) =>
    (await request(h.app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200)).body.data;
  const entries = async (userId: string) =>
    (await ledger(db(), userId, { page: 1, pageSize: 100 })).entries.map((e) => `${e.kind}:${e.amountMicro}`).reverse();

  describe('with the image-to-video id and an uploaded image', () => {
    it('runs the image path and serves an MP4 unlike text-to-video’s with the same seed', async () => {
      const { key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, png(64, 64));
      const worker = h.worker();
      try {
        const i2v = (await submit(key, { ...SMALL, model: TINY_I2V, image_url: image, seed: 901 }).expect(200)).body;
        const t2v = (await submit(key, { ...SMALL, model: TINY_T2V, seed: 901 }).expect(200)).body;
        for (const { request_id: id } of [i2v, t2v]) await waitForStatus(h.app, key, id, (s) => s === 'completed');
        const videos = [i2v, t2v].map((job) => downloadVideo(h.app, key, job.request_id));
        for (const video of await Promise.all(videos))
          expect(describeVideoTrack(new Uint8Array(video))).toMatchObject({
            codec: 'avc1',
            width: 64,
            height: 64,
            samples: 5,
          });
        expect((await videos[0]!).equals(await videos[1]!)).toBe(false);
        expect(await history(key)).toMatchObject([
          { request_id: t2v.request_id, model: TINY_T2V, image_url: null, seed: 901 },
          { request_id: i2v.request_id, model: TINY_I2V, image_url: image, seed: 901, status: 'completed' },
        ]);

        // The worker decoded the upload and handed it to imageToVideo: the gradient R = x, G = y, B = x + y.
        const withImage = h.runs.find((r) => r.seed === 901 && r.conditioning)!;
        const withoutImage = h.runs.find((r) => r.seed === 901 && !r.conditioning)!;
        const { image: decoded } = withImage.conditioning!;
        expect(withImage.conditioning).toMatchObject({ mode: 'image-to-video', image: { width: 64, height: 64 } });
        expect(Array.from(decoded!.rgba.subarray((5 * 64 + 3) * 4, (5 * 64 + 4) * 4))).toEqual([3, 5, 8, 255]);
        const first = (frames: Uint8Array) => frames.subarray(0, FRAME);
        expect(Buffer.from(first(withImage.frames.rgba)).equals(Buffer.from(first(withoutImage.frames.rgba)))).toBe(
          false,
        );
        // The tiny fixture's VAE has random weights, so its round trip does not reproduce the image: report only.
        const psnr = (r: typeof withImage) => psnrRgb(first(r.frames.rgba), decoded!.rgba).toFixed(2);
        console.info(
          `first frame vs image (tiny random VAE): PSNR i2v ${psnr(withImage)} dB, t2v ${psnr(withoutImage)} dB`,
        );
      } finally {
        await worker.stop();
      }
    });

    it.each([
      ['JPEG', JPEG_3X2],
      ['WebP', WEBP_LOSSY_3X2],
    ])('runs from a %s upload, cover-resized from 3×2 to 64×64', async (_name, bytes) => {
      const { key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, bytes);
      const worker = h.worker();
      try {
        const seed = 920 + bytes.length;
        const { request_id: id } = (
          await submit(key, { ...SMALL, model: TINY_I2V, image_url: image, seed }).expect(200)
        ).body;
        await waitForStatus(h.app, key, id, (s) => s === 'completed');
        expect(h.runs.find((r) => r.seed === seed)?.conditioning?.image).toMatchObject({ width: 3, height: 2 });
      } finally {
        await worker.stop();
      }
    });
  });

  describe('without a model id and with an image', () => {
    it('runs the default package’s image-to-video', async () => {
      const { key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, png(8, 8));
      await submit(key, { ...SMALL, image_url: image }).expect(200);
      expect((await history(key))[0]).toMatchObject({ model: TINY_I2V, image_url: image });
    });
  });

  describe('with a bad combination', () => {
    it('is 400 for the image-to-video id without image_url, naming the field and the rule', async () => {
      const { user, key } = await h.user(1_000_000);
      const res = await submit(key, { ...SMALL, model: TINY_I2V }).expect(400);
      expect(res.body.error).toEqual({
        code: 'validation_error',
        message: expect.stringMatching(
          /^Invalid request: image_url: is required by phosphene\/tiny-test\/image-to-video; upload/,
        ),
      });
      expect(await entries(user.id)).toEqual(['grant:1000000']);
    });

    it('is 400 for a text-to-video id with an image, pointing at the image-to-video id', async () => {
      const { key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, png(8, 8));
      const res = await submit(key, { ...SMALL, model: TINY_T2V, image_url: image }).expect(400);
      expect(res.body.error.message).toMatch(
        /image_url: .*text-to-video and takes no image; use model phosphene\/tiny-test\/image-to-video/,
      );
    });

    it('is 404 for another user’s image key, and nothing is charged', async () => {
      const { key: ownerKey } = await h.user(1_000_000);
      const { user, key } = await h.user(1_000_000);
      const theirs = await uploadImage(h.app, ownerKey, png(8, 8));
      const res = await submit(key, { ...SMALL, model: TINY_I2V, image_url: theirs }).expect(404);
      expect(res.body.error).toMatchObject({ code: 'image_not_found', message: expect.stringMatching(/^image_url: /) });
      expect(await entries(user.id)).toEqual(['grant:1000000']);
    });
  });

  describe('with a stored image that no longer decodes', () => {
    it('fails the job as invalid_image, refunds it, and never runs the model', async () => {
      const { user, key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, png(64, 64));
      await h.files.write(image, png(64, 64).subarray(0, 60)); // the disk copy is damaged after the upload check
      const worker = h.worker();
      try {
        const runsBefore = h.runs.length;
        const { request_id: id } = (await submit(key, { ...SMALL, model: TINY_I2V, image_url: image }).expect(200))
          .body;
        const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
        expect(status.error).toEqual({
          code: 'invalid_image',
          message: expect.stringMatching(
            /^Image images\/img_.*could not be decoded .*upload the picture again\. Its credits were refunded\.$/,
          ),
        });
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
        expect(h.runs.length).toBe(runsBefore);
      } finally {
        await worker.stop();
      }
    });

    it('fails the job as invalid_image when the file is gone', async () => {
      const { user, key } = await h.user(1_000_000);
      const image = await uploadImage(h.app, key, png(8, 8));
      await h.files.delete(image);
      const worker = h.worker();
      try {
        const { request_id: id } = (await submit(key, { ...SMALL, model: TINY_I2V, image_url: image }).expect(200))
          .body;
        const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
        expect(status.error?.message).toMatch(/cannot be read \(ENOENT\)/);
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
      } finally {
        await worker.stop();
      }
    });
  });
});
