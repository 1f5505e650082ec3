/** Result URLs are built from configuration, never from the request's Host or X-Forwarded-* headers. */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { submitJob } from '../../../server/jobs/job-store';
import { claimNextJob, completeJob } from '../../../server/jobs/queue';
import { useTestDatabase } from '../../helpers/databases';
import { newJob } from '../jobs/fixtures';
import { inferenceHarness, type InferenceHarness } from '../jobs/inference-harness';

describe('GET /api/v1/inference/result/{request_id}', () => {
  const db = useTestDatabase('pglite');
  let h: InferenceHarness;
  let key: string;
  let id: string;
  beforeAll(async () => {
    h = await inferenceHarness(db());
    const made = await h.user(1_000_000);
    key = made.key;
    id = (await submitJob(db(), newJob(made.user))).id;
    await completeJob(db(), (await claimNextJob(db()))!, `${id}.mp4`);
  });
  const result = (app: InferenceHarness['app']) =>
    request(app)
      .get(`/api/v1/inference/result/${id}`)
      .set('X-API-Key', key)
      .set('Host', 'evil.example')
      .set('X-Forwarded-Proto', 'gopher')
      .set('X-Forwarded-Host', 'evil.example')
      .expect(200);

  describe('without a configured origin', () => {
    it('answers a relative URL, whatever Host says', async () => {
      const { url } = (await result(h.app)).body.data.video;
      expect(url).toMatch(new RegExp(`^/api/v1/inference/video/${id}\\?expires=\\d+&signature=`));
    });
  });

  describe('with PUBLIC_URL', () => {
    it('answers a URL on that origin, whatever Host and X-Forwarded-* say', async () => {
      const { url } = (await result(h.appWith({ publicUrl: 'https://api.example.com/' }))).body.data.video;
      expect(url).toMatch(new RegExp(`^https://api\\.example\\.com/api/v1/inference/video/${id}\\?`));
    });
  });
});
