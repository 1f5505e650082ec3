import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { submitJob } from '../../../server/jobs/job-store';
import { claimNextJob, completeJob, reportProgress } from '../../../server/jobs/queue';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { inferenceHarness, type InferenceHarness } from './inference-harness';
import { newJob, TINY_PARAMS } from './fixtures';

describe.each(DATABASE_KINDS)('queue position and ETA in the status answer on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let app: InferenceHarness['app'];
  beforeAll(async () => {
    h = await inferenceHarness(db());
    // A fresh snapshot per request, so each answer follows the queue change just made.
    app = h.appWith({ queueSnapshotMs: 0 });
  });
  const status = async (key: string, id: string) =>
    (await request(app).get(`/api/v1/inference/status/${id}`).set('X-API-Key', key).expect(200)).body;

  it('numbers the queue from 1 and gives no ETA before any job has completed', async () => {
    const { user, key } = await h.user(1_000_000);
    const a = await submitJob(db(), newJob(user));
    const b = await submitJob(db(), newJob(user));
    expect(await status(key, a.id)).toEqual({
      request_id: a.id,
      status: 'queued',
      progress: 0,
      provider: 'local',
      queue_position: 1,
    });
    expect(await status(key, b.id)).toEqual({
      request_id: b.id,
      status: 'queued',
      progress: 0,
      provider: 'local',
      queue_position: 2,
    });
    // The first is claimed: the second moves up.
    const first = (await claimNextJob(db()))!;
    expect((await status(key, b.id)).queue_position).toBe(1);
    await completeJob(db(), first, 'v.mp4');
  });

  it('estimates from the speed of completed jobs, the work ahead and the workers busy', async () => {
    const { user, key } = await h.user(10_000_000);
    // Everything active so far completes, each a 64×64×5, 1-step job in 10 s.
    const done = await submitJob(db(), newJob(user));
    for (let job = await claimNextJob(db()); job; job = await claimNextJob(db())) await completeJob(db(), job, 'v.mp4');
    expect(await status(key, done.id)).toEqual({
      request_id: done.id,
      status: 'completed',
      progress: 100,
      provider: 'local',
    });
    await db().query(`UPDATE jobs SET started_at = finished_at - interval '10 seconds' WHERE status = 'completed'`);
    const running = await submitJob(db(), newJob(user));
    const twice = await submitJob(db(), { ...newJob(user), params: { ...TINY_PARAMS, num_frames: 10 } });
    const last = await submitJob(db(), newJob(user));
    const claimed = (await claimNextJob(db()))!;
    expect(claimed.id).toBe(running.id);
    await reportProgress(db(), claimed, 40);
    expect(await status(key, running.id)).toMatchObject({ status: 'processing', eta_seconds: 6 });
    expect((await status(key, running.id)).queue_position).toBeUndefined();
    // One worker busy: 6 s left of the running job, then 20 s of the double job, then its own 10 s.
    expect(await status(key, twice.id)).toMatchObject({ queue_position: 1, eta_seconds: 6 + 20 });
    expect(await status(key, last.id)).toMatchObject({ queue_position: 2, eta_seconds: 6 + 20 + 10 });
  });
});

describe.each(DATABASE_KINDS)('the ETA of a server that forwards jobs, on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });

  it('measures the speed on jobs this server ran, not on jobs an upstream ran', async () => {
    const app = h.appWith({ queueSnapshotMs: 0 });
    const { user, key } = await h.user(10_000_000);
    await submitJob(db(), newJob(user));
    const far = await submitJob(db(), newJob(user));
    for (let job = await claimNextJob(db()); job; job = await claimNextJob(db())) await completeJob(db(), job, 'v.mp4');
    await db().query(`UPDATE jobs SET started_at = finished_at - interval '10 seconds' WHERE status = 'completed'`);
    // The upstream took 1000 s: how fast another server was says nothing about this one's workers.
    await db().query(
      `UPDATE jobs SET provider = 'far-away', started_at = finished_at - interval '1000 seconds' WHERE id = $1`,
      [far.id],
    );
    const waiting = await submitJob(db(), newJob(user));
    const body = (await request(app).get(`/api/v1/inference/status/${waiting.id}`).set('X-API-Key', key).expect(200))
      .body as { eta_seconds?: number };
    expect(body).toMatchObject({ queue_position: 1, eta_seconds: 10 });
  });
});
