/** The status poll cache: answers within its TTL from one read, never another user's job, forgets on cancel. */
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { findUserJob, submitJob } from '../../../server/jobs/job-store';
import { RecentJobs } from '../../../server/jobs/recent-jobs';
import type { Queryable } from '../../../server/db/database';
import { useTestDatabase } from '../../helpers/databases';
import { newJob, userWith } from './fixtures';
import { inferenceHarness, SMALL, type InferenceHarness } from './inference-harness';

describe('RecentJobs', () => {
  const db = useTestDatabase('pglite');

  /** A queued job, and the database as a Queryable that counts the reads made through it. */
  async function queuedJobCountingReads() {
    const user = await userWith(db(), 1_000_000);
    const job = await submitJob(db(), newJob(user));
    let n = 0;
    const counting: Queryable = {
      query: (sql, params) => (n++, db().query(sql, params)) as never,
      exec: (sql) => db().exec(sql),
    };
    return { user, job, counting, reads: () => n };
  }

  it('answers from one read within the TTL, then reads again', async () => {
    const { user, job, counting, reads } = await queuedJobCountingReads();
    const cache = new RecentJobs(150);
    const [a, b] = await Promise.all([cache.find(counting, user.id, job.id), cache.find(counting, user.id, job.id)]);
    expect([a!.progress, b!.progress, reads()]).toEqual([0, 0, 1]);
    await db().query('UPDATE jobs SET progress = 7 WHERE id = $1', [job.id]);
    expect((await cache.find(counting, user.id, job.id))!.progress).toBe(0);
    await sleep(160);
    expect((await cache.find(counting, user.id, job.id))!.progress).toBe(7);
    expect(reads()).toBe(2);
    cache.forget(user.id, job.id);
    await cache.find(counting, user.id, job.id);
    expect(reads()).toBe(3);
  });

  it('keeps a job past the TTL while the write clock says nothing wrote the jobs table, and not after a write', async () => {
    const { user, job, counting, reads } = await queuedJobCountingReads();
    const cache = new RecentJobs(20, db().writes);
    await cache.find(counting, user.id, job.id);
    await sleep(40);
    await db().query('SELECT * FROM jobs WHERE id = $1', [job.id]); // a read moves nothing
    expect((await cache.find(counting, user.id, job.id))!.progress).toBe(0);
    expect(reads()).toBe(1);
    await db().query('UPDATE jobs SET progress = 9 WHERE id = $1', [job.id]);
    await sleep(40);
    expect((await cache.find(counting, user.id, job.id))!.progress).toBe(9);
    expect(reads()).toBe(2);
    // Without a clock (PostgreSQL) the TTL alone decides.
    const plain = new RecentJobs(20);
    await plain.find(counting, user.id, job.id);
    await sleep(40);
    await plain.find(counting, user.id, job.id);
    expect(reads()).toBe(4);
  });

  it('never answers another user, and does not keep a miss', async () => {
    const [owner, other] = [await userWith(db(), 1_000_000), await userWith(db(), 1_000_000)];
    const job = await submitJob(db(), newJob(owner));
    const cache = new RecentJobs(10_000);
    expect(await cache.find(db(), owner.id, job.id)).toBeDefined();
    expect(await cache.find(db(), other.id, job.id)).toBeUndefined();
    expect(await cache.find(db(), owner.id, 'job_later')).toBeUndefined();
    await db().query("UPDATE jobs SET id = 'job_later' WHERE id = $1", [job.id]);
    expect((await cache.find(db(), owner.id, 'job_later'))?.id).toBe('job_later');
    expect(await findUserJob(db(), owner.id, 'job_later')).toBeDefined();
  });
});

describe('status polling with the cache on', () => {
  const db = useTestDatabase('pglite');
  let h: InferenceHarness;
  beforeAll(async () => {
    h = await inferenceHarness(db());
  });

  it('shows a cancel at once, though the job was read a moment before', async () => {
    const app = h.appWith({ statusCacheMs: 10_000 });
    const { key } = await h.user(1_000_000);
    const submitted = await request(app).post('/api/v1/inference/submit').set('X-API-Key', key).send(SMALL).expect(200);
    const id = submitted.body.request_id as string;
    const status = () => request(app).get(`/api/v1/inference/status/${id}`).set('X-API-Key', key).expect(200);
    expect((await status()).body.status).toBe('queued');
    await request(app).post(`/api/v1/inference/cancel/${id}`).set('X-API-Key', key).expect(200);
    expect((await status()).body).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
  });
});
