import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptedLayers, encodeSafetensors, syntheticLora } from '../../../models/phosphene-random/make-example-lora';
import { ledger } from '../../../server/accounts/ledger';
import { expireJobs } from '../../../server/jobs/sweeper';
import { markLoraReady, reserveLora } from '../../../server/loras/lifecycle';
import { loraFileKey } from '../../../server/loras/loras';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { downloadVideo, imageHarness, type ImageHarness } from '../jobs/image-harness';
import { SMALL, waitForStatus } from '../jobs/inference-harness';

const TINY = 'tests/fixtures/models/phosphene-tiny';

describe.each(DATABASE_KINDS)('submits with a lora_id on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: ImageHarness;
  beforeAll(async () => {
    h = await imageHarness(db());
  });
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));

  const submit = (key: string, body: object) =>
    request(h.app).post('/api/v1/inference/submit').set('X-API-Key', key).send(body);
  const entries = async (userId: string) =>
    (await ledger(db(), userId, { page: 1, pageSize: 100 })).entries.map((e) => `${e.kind}:${e.amountMicro}`).reverse();

  /** A ready LoRA of `userId` holding these two files, as an upload leaves it. */
  async function storedLora(userId: string, high: Uint8Array, low: Uint8Array): Promise<string> {
    const lora = await reserveLora(db(), { userId, source: 'upload' });
    await h.files.write(loraFileKey(lora.id, 'high_noise'), Buffer.from(high));
    await h.files.write(loraFileKey(lora.id, 'low_noise'), Buffer.from(low));
    await markLoraReady(db(), lora.id, { bytes: { high_noise: high.byteLength, low_noise: low.byteLength } });
    return lora.id;
  }

  describe('with a LoRA that fits the model', () => {
    it('applies it: the video differs from the same seed without it, and lora_scale reaches the pipeline', async () => {
      const { user, key } = await h.user(1_000_000);
      const layers = await adaptedLayers(TINY);
      const loraId = await storedLora(user.id, syntheticLora(layers, 4, 11), syntheticLora(layers, 4, 12));
      const worker = h.worker();
      try {
        const body = { ...SMALL, num_inference_steps: 2, seed: 777 };
        const plain = (await submit(key, body).expect(200)).body;
        const adapted = (await submit(key, { ...body, lora_id: loraId, lora_scale: 1.5 }).expect(200)).body;
        for (const { request_id: id } of [plain, adapted])
          await waitForStatus(h.app, key, id, (s) => s === 'completed');
        const [a, b] = await Promise.all([plain, adapted].map((job) => downloadVideo(h.app, key, job.request_id)));
        expect(a!.equals(b!)).toBe(false);
        const runs = h.runs.filter((r) => r.seed === 777);
        expect(runs).toHaveLength(2);
        expect(Buffer.from(runs[0]!.frames.rgba).equals(Buffer.from(runs[1]!.frames.rgba))).toBe(false);
        // SMALL costs 10 000 µcredits; a LoRA bills ×1.25.
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-10000', 'charge:-12500']);
      } finally {
        await worker.stop();
      }
    });
  });

  describe('with a LoRA made for another model', () => {
    it('fails the job as invalid_lora naming the unknown layers, and refunds it', async () => {
      const { user, key } = await h.user(1_000_000);
      const other = syntheticLora([{ name: 'blocks.9.attn1.to_q', in_features: 32, out_features: 32 }], 2, 1);
      const loraId = await storedLora(user.id, other, encodeSafetensors([]));
      const worker = h.worker();
      try {
        const { request_id: id } = (await submit(key, { ...SMALL, lora_id: loraId }).expect(200)).body;
        const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
        expect(status.error).toEqual({
          code: 'invalid_lora',
          message: expect.stringMatching(
            /^LoRA high_noise does not fit this model: unknown tensors blocks\.9\.attn1\.to_q\.lora_down\.weight.*This model adapts 12 layers \(blocks\.0\.attn_spatial\.to_q.*Its credits were refunded\.$/,
          ),
        });
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-12500', 'refund:12500']);
      } finally {
        await worker.stop();
      }
    });

    it('fails the job as invalid_lora when a file is gone', async () => {
      const { user, key } = await h.user(1_000_000);
      const layers = await adaptedLayers(TINY);
      const loraId = await storedLora(user.id, syntheticLora(layers, 2, 1), syntheticLora(layers, 2, 2));
      await h.files.delete(loraFileKey(loraId, 'low_noise'));
      const worker = h.worker();
      try {
        const { request_id: id } = (await submit(key, { ...SMALL, lora_id: loraId }).expect(200)).body;
        const status = await waitForStatus(h.app, key, id, (s) => s === 'failed');
        expect(status.error).toMatchObject({
          code: 'invalid_lora',
          message: expect.stringMatching(/low_noise file .*cannot be read \(ENOENT\)/),
        });
        expect(await entries(user.id)).toEqual(['grant:1000000', 'charge:-12500', 'refund:12500']);
      } finally {
        await worker.stop();
      }
    });
  });
});
