/**
 * Live previews through the server: a job on the built-in model stores a PNG after each denoising step,
 * the events stream links the latest, and only the job's owner can read it. The tiny fixture declares no
 * preview map, so its jobs have none.
 */
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectPng } from '../../../server/images/png';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { imageHarness, type ImageHarness } from '../jobs/image-harness';
import { SMALL, waitForStatus } from '../jobs/inference-harness';

const binary = (res: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe.each(DATABASE_KINDS)('live previews on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: ImageHarness;
  beforeAll(async () => {
    h = await imageHarness(db(), [path.resolve('models')]);
  });
  const submit = (key: string, body: object) =>
    request(h.app).post('/api/v1/inference/submit').set('X-API-Key', key).send(body).expect(200);

  it('stores the latest step’s PNG for the owner, linked from the final event', { timeout: 120_000 }, async () => {
    const { key } = await h.user(10_000_000);
    const body = {
      prompt: 'a green square',
      model: 'phosphene/v1/text-to-video',
      width: 256,
      height: 144,
      num_frames: 5,
      num_inference_steps: 3,
    };
    const { request_id: id } = (await submit(key, body)).body;
    const worker = h.worker();
    try {
      await waitForStatus(h.app, key, id, (s) => s === 'completed', 90_000);
    } finally {
      await worker.stop();
    }
    const res = await request(h.app)
      .get(`/api/v1/inference/preview/${id}`)
      .set('X-API-Key', key)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-preview-step']).toBe('3');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(await inspectPng(res.body as Buffer)).toMatchObject({ width: 128, height: 72 });
    // The finished job's last event still points at it.
    const events = await request(h.app).get(`/api/v1/inference/events/${id}`).set('X-API-Key', key).expect(200);
    const data = JSON.parse(/data: (.*)/.exec(events.text)![1]!);
    expect(data).toMatchObject({
      status: 'completed',
      preview_step: 3,
      preview_url: `/api/v1/inference/preview/${id}?step=3`,
    });
    // Nobody else's.
    const other = await h.user(1_000_000);
    const stranger = await request(h.app)
      .get(`/api/v1/inference/preview/${id}`)
      .set('X-API-Key', other.key)
      .expect(404);
    expect(stranger.body.error.code).toBe('job_not_found');
  });

  it('is a 404 naming why for a model without a preview map', { timeout: 60_000 }, async () => {
    const { key } = await h.user(1_000_000);
    const { request_id: id } = (await submit(key, { ...SMALL, model: 'phosphene/tiny-test/text-to-video' })).body;
    const worker = h.worker();
    try {
      await waitForStatus(h.app, key, id, (s) => s === 'completed');
    } finally {
      await worker.stop();
    }
    const res = await request(h.app).get(`/api/v1/inference/preview/${id}`).set('X-API-Key', key).expect(404);
    expect(res.body.error.code).toBe('no_preview');
    expect(res.body.error.message).toMatch(/latent\.preview_rgb/);
  });
});
