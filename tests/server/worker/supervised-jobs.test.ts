/**
 * Jobs on real supervised worker processes (the tiny fixture and a large test package), on PGlite and
 * PostgreSQL: a worker killed mid-job, a worker over its memory budget, and a restart afterwards.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { balance, ledger } from '../../../server/accounts/ledger';
import type { Database } from '../../../server/db/database';
import { startInferencePool, type InferencePool } from '../../../server/inference/pool';
import { findJob } from '../../../server/jobs/job-store';
import type { Job } from '../../../server/jobs/job';
import { expireJobs } from '../../../server/jobs/sweeper';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { LARGE, writeLargeTinyPackage } from '../../helpers/large-tiny-package';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';

const LARGE_MODEL = 'phosphene/tiny-large-test/text-to-video';
const quietLog = { info: () => undefined, error: () => undefined };

/** Polls the job until `until` holds, failing after `ms`; the job is read from the database. */
async function waitForJob(db: Database, id: string, until: (job: Job) => boolean, ms = 60_000): Promise<Job> {
  const deadline = Date.now() + ms;
  for (;;) {
    const job = (await findJob(db, id))!;
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${job.status} (attempt ${job.attempts}) after ${ms} ms`);
    await sleep(10);
  }
}

/** Each job in the user's ledger has one charge and at most one refund, and the balance is their sum. */
async function expectMoneyExact(db: Database, userId: string, granted: number): Promise<string[]> {
  const { entries } = await ledger(db, userId, { page: 1, pageSize: 100 });
  const sum = entries.reduce((s, e) => s + e.amountMicro, 0);
  expect(await balance(db, userId)).toBe(sum);
  for (const jobId of new Set(entries.flatMap((e) => (e.jobId ? [e.jobId] : [])))) {
    const kinds = entries.filter((e) => e.jobId === jobId).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'charge')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'refund').length).toBeLessThanOrEqual(1);
  }
  expect(entries.some((e) => e.kind === 'grant' && e.amountMicro === granted)).toBe(true);
  return entries.map((e) => `${e.kind}:${e.amountMicro}`).reverse();
}

describe.each(DATABASE_KINDS)('supervised worker processes on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let largeRoot: string;
  const pools: InferencePool[] = [];
  const pool = (memoryBudgetMb = 4096) => {
    const started = startInferencePool({ workers: 1, memoryBudgetMb, memoryPollMs: 50, log: quietLog });
    pools.push(started);
    return started;
  };
  beforeAll(async () => {
    largeRoot = path.dirname(await writeLargeTinyPackage());
    h = await inferenceHarness(db(), [largeRoot]);
  });
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });
  const submit = (key: string, body: object) =>
    request(h.app)
      .post('/api/v1/inference/submit')
      .set('X-API-Key', key)
      .send(body)
      .then((res) => {
        if (res.status !== 200) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
        return res;
      });

  describe('when the worker process is killed with SIGKILL mid-job, twice', () => {
    it('retries the job once, then fails it as worker_crashed, refunded once, while /health answers', async () => {
      const { user, key } = await h.user(10_000_000);
      const workers = pool();
      const worker = h.worker({ executors: workers.workers });
      try {
        const id = (
          await submit(key, { ...SMALL, model: LARGE_MODEL, ...LARGE, num_frames: 17, num_inference_steps: 1 })
        ).body.request_id as string;
        for (const attempt of [1, 2]) {
          // Progress above 0 comes from the worker process, so it is running this attempt now.
          await waitForJob(db(), id, (j) => j.status === 'processing' && j.attempts === attempt && j.progress > 0);
          process.kill(workers.workers[0]!.pid!, 'SIGKILL');
          await request(h.app).get('/health').expect(200);
        }
        const failed = await waitForJob(db(), id, (j) => j.status === 'failed');
        expect(failed).toMatchObject({ errorCode: 'worker_crashed', attempts: 2 });
        expect(failed.errorMessage).toMatch(/SIGKILL/);
        expect(await expectMoneyExact(db(), user.id, 10_000_000)).toEqual([
          'grant:10000000',
          expect.stringMatching(/^charge:-/),
          expect.stringMatching(/^refund:/),
        ]);
        // The next job runs in the replacement process.
        const next = (await submit(key, SMALL)).body.request_id as string;
        expect((await waitForJob(db(), next, (j) => j.status !== 'queued' && j.status !== 'processing')).status).toBe(
          'completed',
        );
      } finally {
        await worker.stop();
      }
    });
  });

  describe('when a job takes its worker over the memory budget', () => {
    it('fails it as out_of_memory, refunded, not retried, and the next job succeeds', async () => {
      const { user, key } = await h.user(10_000_000);
      // Between the small job's peak (~0.15 GB) and the large one's (~0.7 GB).
      const workers = pool(400);
      const worker = h.worker({ executors: workers.workers });
      try {
        const big = (await submit(key, { ...SMALL, model: LARGE_MODEL, ...LARGE, num_inference_steps: 1 })).body
          .request_id as string;
        const failed = await waitForJob(db(), big, (j) => j.status === 'failed' || j.status === 'completed');
        expect(failed).toMatchObject({ status: 'failed', errorCode: 'out_of_memory', attempts: 1 });
        expect(failed.errorMessage).toMatch(/400 MB/);
        const small = (await submit(key, SMALL)).body.request_id as string;
        expect((await waitForJob(db(), small, (j) => j.status === 'completed' || j.status === 'failed')).status).toBe(
          'completed',
        );
        expect(await expectMoneyExact(db(), user.id, 10_000_000)).toEqual([
          'grant:10000000',
          expect.stringMatching(/^charge:-/),
          expect.stringMatching(/^refund:/),
          'charge:-10000',
        ]);
      } finally {
        await worker.stop();
      }
    });
  });

  describe('after a restart', () => {
    it('does not run the job that ran out of memory again, and moves no money for it', async () => {
      const { user, key } = await h.user(10_000_000);
      const first = pool(400);
      let worker = h.worker({ executors: first.workers });
      const big = (await submit(key, { ...SMALL, model: LARGE_MODEL, ...LARGE, num_inference_steps: 1 })).body
        .request_id as string;
      await waitForJob(db(), big, (j) => j.status === 'failed');
      await worker.stop();
      const before = await expectMoneyExact(db(), user.id, 10_000_000);
      worker = h.worker({ executors: pool().workers, recoverAllOnStart: true });
      try {
        const small = (await submit(key, SMALL)).body.request_id as string;
        await waitForJob(db(), small, (j) => j.status === 'completed');
        expect(await findJob(db(), big)).toMatchObject({ status: 'failed', errorCode: 'out_of_memory', attempts: 1 });
        expect(await expectMoneyExact(db(), user.id, 10_000_000)).toEqual([...before, 'charge:-10000']);
      } finally {
        await worker.stop();
      }
    });
  });
});
