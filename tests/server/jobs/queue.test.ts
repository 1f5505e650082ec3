import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { balance, ledger } from '../../../server/accounts/ledger';
import { ConcurrencyLimitError, QueueFullError } from '../../../server/jobs/errors';
import { findJob, findUserJob, listUserJobs, submitJob } from '../../../server/jobs/job-store';
import {
  cancelJob,
  claimNextJob,
  completeJob,
  failJob,
  reportProgress,
  retryCrashedJob,
} from '../../../server/jobs/queue';
import { expireJobs, recoverOrphans } from '../../../server/jobs/sweeper';
import { InsufficientCreditsError } from '../../../server/accounts/errors';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { newJob, userWith } from './fixtures';

const kinds = async (db: ReturnType<ReturnType<typeof useTestDatabase>>, userId: string) =>
  (await ledger(db, userId, { page: 1, pageSize: 100 })).entries.map((e) => `${e.kind}:${e.amountMicro}`).reverse();

describe.each(DATABASE_KINDS)('job queue on %s', (kind) => {
  const db = useTestDatabase(kind);
  // Each test ends its active jobs, so the next one's claims and sweeps see only its own.
  afterEach(() => expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 }));

  describe('submitJob', () => {
    describe('with enough credits', () => {
      it('queues the job and charges it once, tied to the job', async () => {
        const user = await userWith(db(), 50_000);
        const job = await submitJob(db(), newJob(user, 10_000));
        expect(job).toMatchObject({ status: 'queued', progress: 0, costMicro: 10_000, attempts: 0 });
        expect(job.id).toMatch(/^job_/);
        expect(await balance(db(), user.id)).toBe(40_000);
        const { entries } = await ledger(db(), user.id, { page: 1, pageSize: 10 });
        expect(entries[0]).toMatchObject({ kind: 'charge', jobId: job.id, amountMicro: -10_000 });
      });
    });
    describe('with too few credits', () => {
      it('throws 402 and writes nothing', async () => {
        const user = await userWith(db(), 5_000);
        await expect(submitJob(db(), newJob(user, 10_000))).rejects.toBeInstanceOf(InsufficientCreditsError);
        expect(await kinds(db(), user.id)).toEqual(['grant:5000']);
        expect((await listUserJobs(db(), user.id, { page: 1, pageSize: 10 })).total).toBe(0);
      });
    });
    describe('at the tier concurrency limit', () => {
      it('throws 429 for the starter tier’s second active job, not after the first finished', async () => {
        const user = await userWith(db(), 100_000, 'starter');
        await submitJob(db(), newJob(user));
        await expect(submitJob(db(), newJob(user))).rejects.toBeInstanceOf(ConcurrencyLimitError);
        const claimed = (await claimNextJob(db()))!;
        await expect(submitJob(db(), newJob(user))).rejects.toMatchObject({ status: 429 });
        await completeJob(db(), claimed, 'videos/x.mp4');
        await submitJob(db(), newJob(user));
        expect(await balance(db(), user.id)).toBe(80_000);
      });
    });
    describe('at queue capacity', () => {
      it('throws 503 and charges nothing', async () => {
        const user = await userWith(db(), 100_000);
        await submitJob(db(), newJob(user), 2);
        await submitJob(db(), newJob(user), 2);
        await expect(submitJob(db(), newJob(user), 2)).rejects.toBeInstanceOf(QueueFullError);
        expect(await balance(db(), user.id)).toBe(80_000);
      });
    });
  });

  describe('lookups', () => {
    it('finds a job for its owner only, and lists newest first', async () => {
      const owner = await userWith(db(), 100_000);
      const other = await userWith(db(), 100_000);
      const first = await submitJob(db(), newJob(owner));
      const second = await submitJob(db(), newJob(owner));
      expect((await findUserJob(db(), owner.id, first.id))?.id).toBe(first.id);
      expect(await findUserJob(db(), other.id, first.id)).toBeUndefined();
      const page = await listUserJobs(db(), owner.id, { page: 1, pageSize: 1 });
      expect(page).toMatchObject({ total: 2, jobs: [{ id: second.id }] });
      expect((await listUserJobs(db(), owner.id, { page: 2, pageSize: 1 })).jobs[0]!.id).toBe(first.id);
    });
  });

  describe('claim, progress and completion', () => {
    it('claims oldest first, records progress and completes without refund', async () => {
      const user = await userWith(db(), 100_000);
      const a = await submitJob(db(), newJob(user));
      const b = await submitJob(db(), newJob(user));
      const claimed = (await claimNextJob(db()))!;
      expect(claimed).toMatchObject({ id: a.id, status: 'processing', attempts: 1 });
      expect(claimed.claimToken).toBeTruthy();
      expect(await reportProgress(db(), claimed, 40)).toBe(true);
      expect(await reportProgress(db(), claimed, 20)).toBe(true);
      expect((await findJob(db(), a.id))!.progress).toBe(40);
      expect(await completeJob(db(), claimed, 'a.mp4')).toBe(true);
      expect(await findJob(db(), a.id)).toMatchObject({ status: 'completed', progress: 100, videoKey: 'a.mp4' });
      expect(await completeJob(db(), claimed, 'a.mp4')).toBe(false);
      expect((await claimNextJob(db()))!.id).toBe(b.id);
      expect(await kinds(db(), user.id)).toEqual(['grant:100000', 'charge:-10000', 'charge:-10000']);
    });
  });

  describe('concurrent claims', () => {
    it('never hand one job to two workers (SKIP LOCKED)', async () => {
      const user = await userWith(db(), 1_000_000);
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push((await submitJob(db(), newJob(user))).id);
      // Six "workers" claim at once, twice over; on PostgreSQL each uses its own pooled connection.
      const claims = (await Promise.all(Array.from({ length: 12 }, () => claimNextJob(db())))).map((j) => j?.id);
      expect(claims.filter(Boolean).sort()).toEqual([...ids].sort());
      expect(await claimNextJob(db())).toBeUndefined();
    });
  });

  describe('failure', () => {
    it('refunds once, in the same transaction; a second failure changes nothing', async () => {
      const user = await userWith(db(), 100_000);
      const job = await submitJob(db(), newJob(user));
      const claimed = (await claimNextJob(db()))!;
      expect(await failJob(db(), job.id, { code: 'generation_failed', message: 'boom' }, claimed.claimToken!)).toBe(
        true,
      );
      expect(await failJob(db(), job.id, { code: 'generation_failed', message: 'again' })).toBe(false);
      expect(await findJob(db(), job.id)).toMatchObject({ status: 'failed', errorCode: 'generation_failed' });
      expect(await kinds(db(), user.id)).toEqual(['grant:100000', 'charge:-10000', 'refund:10000']);
      expect(await reportProgress(db(), claimed, 50)).toBe(false);
      expect(await completeJob(db(), claimed, 'late.mp4')).toBe(false);
    });
    it('with a stale claim token changes nothing', async () => {
      const user = await userWith(db(), 100_000);
      const job = await submitJob(db(), newJob(user));
      await claimNextJob(db());
      expect(await failJob(db(), job.id, { code: 'x', message: 'x' }, 'not-the-token')).toBe(false);
      expect(await balance(db(), user.id)).toBe(90_000);
    });
  });

  describe('cancel', () => {
    it('refunds its owner’s active job; others and finished jobs are untouched', async () => {
      const user = await userWith(db(), 100_000);
      const other = await userWith(db(), 100_000);
      const job = await submitJob(db(), newJob(user));
      expect(await cancelJob(db(), other.id, job.id)).toBe(false);
      expect(await cancelJob(db(), user.id, job.id)).toBe(true);
      expect(await cancelJob(db(), user.id, job.id)).toBe(false);
      expect(await findJob(db(), job.id)).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
      expect(await balance(db(), user.id)).toBe(100_000);
    });
  });

  describe('timeouts', () => {
    it('fail and refund jobs queued or running past their limit, and only those', async () => {
      const user = await userWith(db(), 100_000);
      const running = await submitJob(db(), newJob(user));
      await claimNextJob(db());
      const queued = await submitJob(db(), newJob(user));
      await sleep(30);
      expect(await expireJobs(db(), { queueTimeoutMs: 60_000, executionTimeoutMs: 60_000 })).toEqual([]);
      const expired = await expireJobs(db(), { queueTimeoutMs: 10, executionTimeoutMs: 10 });
      expect(expired.sort()).toEqual([running.id, queued.id].sort());
      expect(await findJob(db(), running.id)).toMatchObject({ status: 'failed', errorCode: 'execution_timeout' });
      expect(await findJob(db(), queued.id)).toMatchObject({ status: 'failed', errorCode: 'queue_timeout' });
      expect((await findJob(db(), queued.id))!.errorMessage).toMatch(/0\.01 s/);
      expect(await balance(db(), user.id)).toBe(100_000);
      expect(await expireJobs(db(), { queueTimeoutMs: 0, executionTimeoutMs: 0 })).toEqual([]);
    });
  });

  describe('crash recovery', () => {
    it('re-queues a lost job while it has attempts left, then fails and refunds it', async () => {
      const user = await userWith(db(), 100_000);
      const job = await submitJob(db(), newJob(user));
      const lost = (await claimNextJob(db()))!;
      expect(await recoverOrphans(db(), { staleAfterMs: 60_000, maxAttempts: 2 })).toEqual({
        requeued: [],
        failed: [],
      });
      expect(await recoverOrphans(db(), { staleAfterMs: 0, maxAttempts: 2 })).toEqual({
        requeued: [job.id],
        failed: [],
      });
      expect(await completeJob(db(), lost, 'zombie.mp4')).toBe(false);
      expect((await claimNextJob(db()))!.attempts).toBe(2);
      expect(await recoverOrphans(db(), { staleAfterMs: 0, maxAttempts: 2 })).toEqual({
        requeued: [],
        failed: [job.id],
      });
      expect(await findJob(db(), job.id)).toMatchObject({ status: 'failed', errorCode: 'worker_crashed' });
      expect(await kinds(db(), user.id)).toEqual(['grant:100000', 'charge:-10000', 'refund:10000']);
    });
  });

  describe('retryCrashedJob', () => {
    const crashed = { code: 'worker_crashed', message: 'The worker died.' };
    it('re-queues the job while it has attempts left, then fails it and refunds it once', async () => {
      const user = await userWith(db(), 100_000);
      const job = await submitJob(db(), newJob(user));
      const first = (await claimNextJob(db()))!;
      expect(await retryCrashedJob(db(), first, 2, crashed)).toBe('requeued');
      expect(await findJob(db(), job.id)).toMatchObject({ status: 'queued', attempts: 1, claimToken: null });
      const second = (await claimNextJob(db()))!;
      expect(second.attempts).toBe(2);
      expect(await retryCrashedJob(db(), second, 2, crashed)).toBe('failed');
      expect(await retryCrashedJob(db(), second, 2, crashed)).toBe('lost');
      expect(await findJob(db(), job.id)).toMatchObject({ status: 'failed', errorCode: 'worker_crashed' });
      expect(await claimNextJob(db())).toBeUndefined();
      expect(await kinds(db(), user.id)).toEqual(['grant:100000', 'charge:-10000', 'refund:10000']);
    });

    it('changes nothing for a claim that is no longer the worker’s', async () => {
      const user = await userWith(db(), 100_000);
      await submitJob(db(), newJob(user));
      const claimed = (await claimNextJob(db()))!;
      await recoverOrphans(db(), { staleAfterMs: 0, maxAttempts: 2 });
      expect(await retryCrashedJob(db(), claimed, 2, crashed)).toBe('lost');
      expect(await kinds(db(), user.id)).toEqual(['grant:100000', 'charge:-10000']);
    });
  });
});
