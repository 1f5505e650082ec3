import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { balance, ledger } from '../../../server/accounts/ledger';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';

describe.each(DATABASE_KINDS)('POST /api/v1/inference/quote on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });
  const post = (key: string, path: string, body: object) =>
    request(h.app).post(`/api/v1/inference/${path}`).set('X-API-Key', key).send(body);

  it('answers the price submit then charges, the aligned job and the balance, charging nothing itself', async () => {
    const { user, key } = await h.user(1_000_000);
    // 6 frames is not 1 + 4k: the job runs 5, and the quote says so.
    const body = { ...SMALL, num_frames: 6 };
    const quote = await post(key, 'quote', body).expect(200);
    expect(await balance(db(), user.id)).toBe(1_000_000);
    expect(quote.body).toMatchObject({
      model: 'phosphene/tiny-test/text-to-video',
      width: 64,
      height: 64,
      num_frames: 5,
      num_inference_steps: 1,
      balance: 1,
      affordable: true,
    });
    await post(key, 'submit', body).expect(200);
    const charge = (await ledger(db(), user.id, { page: 1, pageSize: 10 })).entries.find((e) => e.kind === 'charge')!;
    expect(-charge.amountMicro / 1_000_000).toBe(quote.body.credits);
  });

  it('prices a LoRA job higher, and says when the balance does not cover it', async () => {
    const { user, key } = await h.user(1);
    h.assets.loras.set(user.id, new Map([['lora_a', true]]));
    const plain = (await post(key, 'quote', SMALL).expect(200)).body;
    const withLora = (await post(key, 'quote', { ...SMALL, lora_id: 'lora_a' }).expect(200)).body;
    expect(withLora.credits).toBeGreaterThan(plain.credits);
    expect(plain.affordable).toBe(false);
  });

  it('refuses what submit refuses, with the same errors', async () => {
    const { key } = await h.user(1_000_000);
    for (const body of [{}, { ...SMALL, width: 65 }, { ...SMALL, lora_id: 'lora_missing' }]) {
      const quote = await post(key, 'quote', body);
      const submit = await post(key, 'submit', body);
      expect(quote.status).toBeGreaterThanOrEqual(400);
      expect({ status: quote.status, error: quote.body.error }).toEqual({
        status: submit.status,
        error: submit.body.error,
      });
    }
  });
});
