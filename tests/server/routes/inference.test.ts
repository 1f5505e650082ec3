import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { balance, ledger } from '../../../server/accounts/ledger';
import { findJob } from '../../../server/jobs/job-store';
import { claimNextJob } from '../../../server/jobs/queue';
import { expireJobs } from '../../../server/jobs/sweeper';
import { databaseUrlSigner } from '../../../server/jobs/video-url';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { readRecipe } from '../../../src/pipeline/mp4-recipe';
import { describeVideoTrack } from '../../helpers/mp4-boxes';
import { inferenceHarness, SMALL, waitForStatus, type InferenceHarness } from '../jobs/inference-harness';

const TINY_T2V = 'phosphene/tiny-test/text-to-video';

describe.each(DATABASE_KINDS)('inference routes on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });
  // Each test ends the jobs it left active, so queue counts and workers see only the next test's.
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));

  const as = (key: string) => ({
    get: (url: string) => request(h.app).get(url).set('X-API-Key', key),
    submit: (body: object, app = h.app) =>
      request(app).post('/api/v1/inference/submit').set('X-API-Key', key).send(body),
  });
  const entries = async (userId: string) =>
    (await ledger(db(), userId, { page: 1, pageSize: 100 })).entries.map((e) => `${e.kind}:${e.amountMicro}`).reverse();
  const history = async (key: string) => (await as(key).get('/api/v1/inference/history').expect(200)).body.data;

  describe('POST /api/v1/inference/submit', () => {
    describe('with a valid body and a running worker', () => {
      it('queues, runs the tiny model, completes, and serves a real MP4 through a signed URL', async () => {
        const { user, key } = await h.user(1_000_000);
        const worker = h.worker();
        try {
          const res = await as(key)
            .submit({ ...SMALL, seed: 42, frames_per_second: 8 })
            .expect(200);
          expect(res.body).toEqual({ request_id: expect.stringMatching(/^job_/), status: 'queued' });
          const id = res.body.request_id as string;
          expect(await waitForStatus(h.app, key, id, (s) => s === 'completed')).toEqual({
            request_id: id,
            status: 'completed',
            progress: 100,
            provider: 'local',
          });
          const result = await as(key).get(`/api/v1/inference/result/${id}`).expect(200);
          expect(result.body).toEqual({
            data: {
              video: { url: expect.any(String) },
              seed: 42,
              model: 'phosphene/tiny-test/text-to-video',
              provider: 'local',
            },
            request_id: id,
          });
          const url = new URL(result.body.data.video.url, 'http://relative.invalid');
          expect(url.pathname).toBe(`/api/v1/inference/video/${id}`);
          // No X-API-Key: Phosor clients download the URL as it is.
          const video = await request(h.app)
            .get(url.pathname + url.search)
            .buffer(true)
            .parse(binary)
            .expect(200);
          expect(video.headers['content-type']).toBe('video/mp4');
          const track = describeVideoTrack(new Uint8Array(video.body as Buffer));
          // A server clip carries its recipe, like the browser's and the CLI's.
          expect(readRecipe(new Uint8Array(video.body as Buffer))).toMatchObject({
            model: 'phosphene/tiny-test/text-to-video',
            mode: 'text-to-video',
            params: { prompt: 'a red ball', seed: 42, width: 64, height: 64 },
          });
          expect(track).toMatchObject({ brand: 'mp42', codec: 'avc1', width: 64, height: 64, samples: 5 });
          expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000']);
          const [entry] = await history(key);
          expect(entry).toMatchObject({
            request_id: id,
            status: 'completed',
            model: TINY_T2V,
            seed: 42,
            credits: 0.01,
          });
        } finally {
          await worker.stop();
        }
      });
    });

    describe('with only a prompt', () => {
      it('takes the model’s defaults, Phosor’s 81 frames clamped to the preset maximum, and a random uint32 seed', async () => {
        const { user, key } = await h.user(1_000_000);
        await as(key).submit({ prompt: 'waves' }).expect(200);
        const [entry] = await history(key);
        expect(entry).toMatchObject({
          model: TINY_T2V,
          width: 64,
          height: 64,
          num_frames: 17,
          frames_per_second: 16,
          num_inference_steps: 4,
          guidance_scale: 1,
          negative_prompt: '',
          lora_id: null,
          credits: 0.034,
        });
        expect(Number.isInteger(entry.seed) && entry.seed >= 0 && entry.seed < 2 ** 32).toBe(true);
        expect(await balance(db(), user.id)).toBe(1_000_000 - 17 * 2000);
      });
    });

    describe("with Phosor's model id", () => {
      it('runs on our default model and records our id', async () => {
        const { key } = await h.user(1_000_000);
        await as(key)
          .submit({ ...SMALL, model: 'wan/2.2-14b/text-to-video' })
          .expect(200);
        expect((await history(key))[0].model).toBe(TINY_T2V);
      });

      it('lists Phosor’s ids in GET /models as aliases of the model that serves them', async () => {
        const { body } = await request(h.app).get('/api/v1/models').expect(200);
        const alias = body.models.find((m: { model_id: string }) => m.model_id === 'wan/2.2-14b/text-to-video');
        expect(alias).toMatchObject({ alias_of: TINY_T2V, model_mode: 'text-to-video' });
        const ours = body.models.find((m: { model_id: string }) => m.model_id === TINY_T2V);
        expect(ours.alias_of).toBeUndefined();
      });

      it('is refused, and not listed, when the operator turns aliasing off', async () => {
        const { key } = await h.user(1_000_000);
        const strict = h.appWith({ modelAliases: false });
        const res = await as(key)
          .submit({ ...SMALL, model: 'wan/2.2-14b/text-to-video' }, strict)
          .expect(400);
        expect(res.body.error.message).toMatch(/model: unknown model "wan\/2\.2-14b\/text-to-video"/);
        const { body } = await request(strict).get('/api/v1/models').expect(200);
        expect(body.models.some((m: { alias_of?: string }) => m.alias_of)).toBe(false);
      });
    });

    describe('with a frame count that is not 1 + 4k', () => {
      it.each([
        [1, 5],
        [6, 5],
        [7, 9],
        [11, 13],
        [15, 17],
        [500, 17],
      ])('aligns %i to %i (nearest, ties up, 5 to the preset maximum) and bills that', async (asked, aligned) => {
        const { user, key } = await h.user(1_000_000);
        await as(key)
          .submit({ ...SMALL, num_frames: asked })
          .expect(200);
        expect((await history(key))[0].num_frames).toBe(aligned);
        expect(await balance(db(), user.id)).toBe(1_000_000 - aligned * 2000);
      });
    });

    describe('with a bad body', () => {
      it.each([
        [{}, /prompt: is required/],
        [{ prompt: '   ' }, /prompt: .*blank/],
        [{ prompt: 7 }, /prompt: .*got 7/],
        [{ ...SMALL, width: 854, height: 480 }, /width, height: 854×480 is not a supported resolution .*64×64, 128×72/],
        [{ ...SMALL, width: 72, height: 128 }, /width, height: .*use exactly one of/],
        [{ ...SMALL, width: 64.5 }, /width: must be an integer/],
        [{ ...SMALL, num_frames: 2.5 }, /num_frames: .*1 \+ 4k.*nearest.*halfway rounds up.*got 2\.5/],
        [{ ...SMALL, num_frames: 0 }, /num_frames: .*at least 5.*got 0/],
        [{ ...SMALL, frames_per_second: 3 }, /frames_per_second: must be an integer from 4 to 30; got 3/],
        [{ ...SMALL, frames_per_second: 31 }, /frames_per_second: .*4 to 30/],
        [{ ...SMALL, num_inference_steps: 0 }, /num_inference_steps: must be an integer from 1 to 50/],
        [
          { ...SMALL, guidance_scale: 0.5 },
          /guidance_scale: must be a number from 1.0 \(guidance off\) to 3.5; got 0.5/,
        ],
        [{ ...SMALL, guidance_scale: 3.6 }, /guidance_scale: .*3.5/],
        [{ ...SMALL, seed: -1 }, /seed: .*uint32/],
        [{ ...SMALL, seed: 2 ** 32 }, /seed: .*4294967295/],
        [{ ...SMALL, lora_scale: 2.5 }, /lora_scale: must be a number from 0.0 to 2.0 \(1.0 applies/],
        [{ ...SMALL, negative_prompt: 5 }, /negative_prompt: must be a string/],
        [{ ...SMALL, model: 'nope/model' }, /model: unknown model "nope\/model".*phosphene\/tiny-test\/text-to-video/],
        [{ ...SMALL, model: 'phosphene/tiny-test/image-to-video' }, /image_url: is required by .*image-to-video/],
      ])('%j is 400 naming the field and the rule', async (body, message) => {
        const { user, key } = await h.user(1_000_000);
        const res = await as(key).submit(body).expect(400);
        expect(res.body.error).toEqual({ code: 'validation_error', message: expect.stringMatching(message) });
        expect(await entries(user.id)).toEqual(['grant:1000000']);
      });
      it('is 400 for malformed JSON', async () => {
        const { key } = await h.user(1_000_000);
        await request(h.app)
          .post('/api/v1/inference/submit')
          .set('X-API-Key', key)
          .set('Content-Type', 'application/json')
          .send('{"prompt":')
          .expect(400);
      });
    });

    describe('without an API key', () => {
      it('is 401', async () => {
        await request(h.app).post('/api/v1/inference/submit').send(SMALL).expect(401);
      });
    });

    describe('with too few credits', () => {
      it('is 402 and the ledger is unchanged', async () => {
        const { user, key } = await h.user(9_999);
        const res = await as(key).submit(SMALL).expect(402);
        expect(res.body.error.code).toBe('insufficient_credits');
        expect(await entries(user.id)).toEqual(['grant:9999']);
        expect(await history(key)).toEqual([]);
      });
    });

    describe('with an image_url', () => {
      it('is 404 when it is not one of the caller’s uploads, 400 with a text-to-video model', async () => {
        const { user, key } = await h.user(1_000_000);
        const { user: other } = await h.user(0);
        h.assets.images.set(other.id, new Set(['images/theirs.png']));
        h.assets.images.set(user.id, new Set(['images/mine.png']));
        const missing = await as(key)
          .submit({ ...SMALL, image_url: 'images/theirs.png' })
          .expect(404);
        expect(missing.body.error).toMatchObject({
          code: 'image_not_found',
          message: expect.stringMatching(/image_url/),
        });
        const t2v = await as(key)
          .submit({ ...SMALL, model: TINY_T2V, image_url: 'images/mine.png' })
          .expect(400);
        expect(t2v.body.error.message).toMatch(
          /image_url: phosphene\/tiny-test\/text-to-video is text-to-video .*use model phosphene\/tiny-test\/image-to-video/,
        );
      });
    });

    describe('with a lora_id', () => {
      it('charges 1.25× for the caller’s ready LoRA and is 404 for an unknown, unready or other user’s LoRA', async () => {
        const { user, key } = await h.user(1_000_000);
        const { user: other } = await h.user(0);
        h.assets.loras.set(
          user.id,
          new Map([
            ['lora_ready', true],
            ['lora_busy', false],
          ]),
        );
        h.assets.loras.set(other.id, new Map([['lora_theirs', true]]));
        for (const id of ['lora_unknown', 'lora_busy', 'lora_theirs']) {
          const res = await as(key)
            .submit({ ...SMALL, lora_id: id })
            .expect(404);
          expect(res.body.error).toMatchObject({ code: 'lora_not_found', message: expect.stringContaining(id) });
        }
        await as(key)
          .submit({ ...SMALL, lora_id: 'lora_ready', lora_scale: 0.5 })
          .expect(200);
        expect((await history(key))[0]).toMatchObject({ lora_id: 'lora_ready', lora_scale: 0.5, credits: 0.0125 });
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-12500']);
      });
    });

    describe('over the tier’s concurrent jobs', () => {
      it.each([
        ['starter', 1],
        ['standard', 5],
      ] as const)('a %s user’s job number %i + 1 is 429 and not charged', async (tier, limit) => {
        const { user, key } = await h.user(1_000_000, tier);
        for (let i = 0; i < limit; i++) await as(key).submit(SMALL).expect(200);
        const res = await as(key).submit(SMALL).expect(429);
        expect(res.body.error).toMatchObject({
          code: 'concurrency_limit',
          message: expect.stringContaining(`${limit}`),
        });
        expect(await balance(db(), user.id)).toBe(1_000_000 - limit * 10_000);
      });
    });

    describe('with the queue at capacity', () => {
      it('is 503 and not charged', async () => {
        const app = h.appWith({ queueCapacity: 2 });
        const { user, key } = await h.user(1_000_000);
        await as(key).submit(SMALL, app).expect(200);
        await as(key).submit(SMALL, app).expect(200);
        const res = await as(key).submit(SMALL, app).expect(503);
        expect(res.body.error.code).toBe('queue_full');
        expect(await balance(db(), user.id)).toBe(1_000_000 - 20_000);
      });
    });
  });

  describe('GET /api/v1/inference/status/{request_id}', () => {
    describe('for a queued job', () => {
      it('answers queued with progress 0 and its place in the queue', async () => {
        const { key } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL)).body.request_id;
        const { body } = await as(key).get(`/api/v1/inference/status/${id}`).expect(200);
        expect(body).toMatchObject({ request_id: id, status: 'queued', progress: 0 });
        // Jobs of earlier tests may be queued before it (tests/server/jobs/queue-eta.test.ts checks the numbers).
        expect(body.queue_position).toBeGreaterThanOrEqual(1);
      });
    });
    describe("for another user's job or an unknown id", () => {
      it('is 404 without the job’s data, never 403', async () => {
        const { key } = await h.user(1_000_000);
        const { key: otherKey } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL)).body.request_id;
        for (const path of ['status', 'result']) {
          const res = await as(otherKey).get(`/api/v1/inference/${path}/${id}`).expect(404);
          expect(res.body).toEqual({ error: { code: 'job_not_found', message: `No job ${id} among your jobs.` } });
        }
        await as(key).get('/api/v1/inference/status/job_nope').expect(404);
      });
    });
    describe('without an API key', () => {
      it('is 401', async () => {
        await request(h.app).get('/api/v1/inference/status/job_x').expect(401);
      });
    });
  });

  describe('GET /api/v1/inference/result/{request_id}', () => {
    describe('for a job that has not completed', () => {
      it('is 400 job_not_completed', async () => {
        const { key } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL)).body.request_id;
        const res = await as(key).get(`/api/v1/inference/result/${id}`).expect(400);
        expect(res.body.error).toMatchObject({ code: 'job_not_completed', message: expect.stringMatching(/queued/) });
      });
    });
  });

  describe('GET /api/v1/inference/video/{request_id}', () => {
    describe('with a forged or expired signature', () => {
      it('is 403 and serves nothing', async () => {
        const { key } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL)).body.request_id;
        const forged = await request(h.app)
          .get(`/api/v1/inference/video/${id}?expires=9999999999&signature=AAAA`)
          .expect(403);
        expect(forged.body.error.code).toBe('invalid_signature');
        const past = Math.floor(Date.now() / 1000) - 10;
        const query = await databaseUrlSigner(db()).sign(id, past);
        const expired = await request(h.app).get(`/api/v1/inference/video/${id}?${query}`).expect(403);
        expect(expired.body.error.code).toBe('url_expired');
      });
    });
    describe('with a valid signature for a job without a video', () => {
      it('is 404', async () => {
        const { key } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL)).body.request_id;
        const query = await databaseUrlSigner(db()).sign(id, Math.floor(Date.now() / 1000) + 60);
        await request(h.app).get(`/api/v1/inference/video/${id}?${query}`).expect(404);
      });
    });
  });

  describe('GET /api/v1/inference/history', () => {
    describe('with several jobs', () => {
      it('pages newest first and shows only the caller’s', async () => {
        const { key } = await h.user(1_000_000);
        const { key: otherKey } = await h.user(1_000_000);
        const ids: string[] = [];
        for (const seed of [1, 2, 3])
          ids.push(
            (
              await as(key)
                .submit({ ...SMALL, seed })
                .expect(200)
            ).body.request_id,
          );
        await as(otherKey).submit(SMALL).expect(200);
        const first = await as(key).get('/api/v1/inference/history?page=1&page_size=2').expect(200);
        expect(first.body).toMatchObject({ page: 1, page_size: 2, total: 3 });
        expect(first.body.data.map((j: { request_id: string }) => j.request_id)).toEqual([ids[2], ids[1]]);
        const second = await as(key).get('/api/v1/inference/history?page=2&page_size=2').expect(200);
        expect(second.body.data.map((j: { request_id: string }) => j.request_id)).toEqual([ids[0]]);
      });
    });
    describe('with a bad page_size', () => {
      it('is 400 naming the field and the rule', async () => {
        const { key } = await h.user(0);
        const res = await as(key).get('/api/v1/inference/history?page_size=500').expect(400);
        expect(res.body.error.message).toMatch(/page_size: must be an integer from 1 to 100/);
      });
    });
  });

  describe('POST /api/v1/inference/cancel/{request_id}', () => {
    it('fails the job as cancelled, refunds it once, and is 400 the second time', async () => {
      const { user, key } = await h.user(1_000_000);
      const id = (await as(key).submit(SMALL)).body.request_id;
      const res = await request(h.app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
      expect(res.body).toMatchObject({ request_id: id, status: 'failed', error: { code: 'cancelled' } });
      await request(h.app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(400);
      expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
    });
  });

  describe('the worker', () => {
    describe('when generation fails', () => {
      it('fails the job with its reason and refunds it', async () => {
        const { user, key } = await h.user(1_000_000);
        const worker = h.worker({
          generate: async () => {
            throw new Error('out of memory');
          },
        });
        try {
          const id = (await as(key).submit(SMALL).expect(200)).body.request_id;
          const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
          expect(status.error).toEqual({
            code: 'generation_failed',
            message: expect.stringMatching(/out of memory.*refunded/),
          });
          const result = await as(key).get(`/api/v1/inference/result/${id}`).expect(400);
          expect(result.body.error.code).toBe('job_failed');
          expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
        } finally {
          await worker.stop();
        }
      });
    });

    describe('when a job runs past the execution timeout', () => {
      it('aborts it, fails it as execution_timeout and refunds it once', async () => {
        const { user, key } = await h.user(1_000_000);
        const worker = h.worker({
          executionTimeoutMs: 300,
          // Hangs until aborted, as a stuck step would.
          generate: ({ signal }) =>
            new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(new Error('aborted')))),
        });
        try {
          const id = (await as(key).submit(SMALL).expect(200)).body.request_id;
          const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
          expect(status.error?.code).toBe('execution_timeout');
          expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
        } finally {
          await worker.stop();
        }
      });
    });

    describe('when a job waits past the queue timeout', () => {
      it('fails it as queue_timeout and refunds it while the worker is busy', async () => {
        const { key } = await h.user(1_000_000);
        const { user: waiting, key: waitingKey } = await h.user(1_000_000);
        const worker = h.worker({
          queueTimeoutMs: 200,
          executionTimeoutMs: 60_000,
          generate: ({ signal }) =>
            new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(new Error('aborted')))),
        });
        try {
          const busy = (await as(key).submit(SMALL).expect(200)).body.request_id;
          await waitForStatus(h.app, key, busy, (s) => s === 'processing');
          const id = (await as(waitingKey).submit(SMALL).expect(200)).body.request_id;
          const status = await waitForStatus(h.app, waitingKey, id, (s) => s === 'failed');
          expect(status.error?.code).toBe('queue_timeout');
          expect(await entries(waiting.id)).toEqual(['grant:1000000', 'charge:-10000', 'refund:10000']);
        } finally {
          await worker.stop();
        }
      });
    });

    describe('after a crash left a job processing', () => {
      it('re-queues it at start and runs it to completion, charged once', async () => {
        const { user, key } = await h.user(1_000_000);
        const id = (await as(key).submit(SMALL).expect(200)).body.request_id;
        // The crashed process had claimed it and then died. Earlier tests can leave jobs queued (a stopped
        // worker puts its running job back), and claims take the oldest first: claim up to ours.
        let claimed = await claimNextJob(db());
        while (claimed && claimed.id !== id) claimed = await claimNextJob(db());
        expect(claimed?.id).toBe(id);
        const worker = h.worker({ recoverAllOnStart: true });
        try {
          await waitForStatus(h.app, key, id, (s) => s === 'completed');
          expect((await findJob(db(), id))!.attempts).toBe(2);
          expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000']);
        } finally {
          await worker.stop();
        }
      });
    });

    describe('when it stops during a job', () => {
      it('puts the job back in the queue for the next worker', async () => {
        const { key } = await h.user(1_000_000);
        let started!: () => void;
        const running = new Promise<void>((resolve) => (started = resolve));
        const worker = h.worker({
          generate: ({ signal }) =>
            new Promise((_resolve, reject) => {
              started();
              signal!.addEventListener('abort', () => reject(new Error('aborted')));
            }),
        });
        const id = (await as(key).submit(SMALL).expect(200)).body.request_id;
        await running;
        await worker.stop();
        expect(await findJob(db(), id)).toMatchObject({ status: 'queued', attempts: 0, progress: 0 });
      });
    });
  });
});

/** Collects a binary response body into a Buffer (supertest leaves video/* unparsed otherwise). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
