/**
 * Memory planned at submit: with a worker budget (WORKER_MEMORY_MB) of 190 MB the tiny model's planned
 * peaks (64×64: 183 MB at 5 frames, 188 at 9, 193 at 13; 128×72×5: 191) leave 64×64 up to 9 frames.
 */
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { balance } from '../../../server/accounts/ledger';
import { expireJobs } from '../../../server/jobs/sweeper';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { inferenceHarness, type InferenceHarness } from '../jobs/inference-harness';

const BUDGET_MB = 190;
const body = { prompt: 'a red ball', num_inference_steps: 1 };

describe.each(DATABASE_KINDS)('memory planning at submit on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let app: InferenceHarness['app'];
  beforeAll(async () => {
    h = await inferenceHarness(db());
    app = h.appWith({ memoryBudgetMb: BUDGET_MB });
  });
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));
  const submit = (key: string, extra: object) =>
    request(app)
      .post('/api/v1/inference/submit')
      .set('X-API-Key', key)
      .send({ ...body, ...extra });
  const history = async (key: string) =>
    (await request(app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200)).body.data;

  describe('GET /api/v1/models', () => {
    it('lists only the presets that fit, with the frames that fit', async () => {
      const res = await request(app).get('/api/v1/models').expect(200);
      const tiny = res.body.models.filter((m: { model_id: string }) => m.model_id.startsWith('phosphene/tiny-test/'));
      expect(tiny).toHaveLength(2);
      for (const model of tiny)
        expect(model.metadata.resolutions).toEqual([{ width: 64, height: 64, max_frames: 9, label: '64² test' }]);
    });

    it('leaves out a package where nothing fits', async () => {
      const res = await request(h.appWith({ memoryBudgetMb: 100 }))
        .get('/api/v1/models')
        .expect(200);
      expect(res.body.models).toEqual([]);
    });
  });

  describe('POST /api/v1/inference/submit', () => {
    describe('with more frames than fit', () => {
      it('answers 400 job_too_large naming the limit and the most frames that fit, and charges nothing', async () => {
        const { user, key } = await h.user(1_000_000);
        const res = await submit(key, { width: 64, height: 64, num_frames: 17 }).expect(400);
        expect(res.body.error.code).toBe('job_too_large');
        expect(res.body.error.message).toMatch(/190 MB/);
        expect(res.body.error.message).toMatch(/at 64×64 at most 9 frames fit/);
        expect(await balance(db(), user.id)).toBe(1_000_000);
        expect(await history(key)).toEqual([]);
      });
    });

    describe('at a resolution where no frame count fits', () => {
      it('names the largest size that fits', async () => {
        const { user, key } = await h.user(1_000_000);
        const res = await submit(key, { width: 128, height: 72, num_frames: 5 }).expect(400);
        expect(res.body.error.message).toMatch(/no frame count fits at 128×72/);
        expect(res.body.error.message).toMatch(/largest size that fits is 64×64 with up to 9 frames/);
        expect(await balance(db(), user.id)).toBe(1_000_000);
      });
    });

    describe('without num_frames', () => {
      it('takes the most frames that fit instead of Phosor’s 81, and charges for those', async () => {
        const { key } = await h.user(1_000_000);
        await submit(key, { width: 64, height: 64 }).expect(200);
        const [entry] = await history(key);
        expect(entry).toMatchObject({ num_frames: 9, status: 'queued' });
      });
    });

    describe('within the budget', () => {
      it('accepts the job as before', async () => {
        const { key } = await h.user(1_000_000);
        await submit(key, { width: 64, height: 64, num_frames: 9 }).expect(200);
      });
    });
  });
});
