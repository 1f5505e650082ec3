/**
 * Random sequences of submits, claims, completions, worker failures, timeouts, cancels, worker crashes,
 * deaths of a supervised worker process mid-job and submits that crash mid-transaction, on PGlite, against a plain model of the queue and the money. After
 * every step: each balance is the model's and the sum of its ledger, never negative; every job has exactly
 * one charge, a refund exactly when it failed (so at most one), and the state the model expects.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCredits, balance } from '../../../server/accounts/ledger';
import { CONCURRENT_JOBS, type Tier } from '../../../server/accounts/tiers';
import type { User } from '../../../server/accounts/users';
import type { Database } from '../../../server/db/database';
import type { Job } from '../../../server/jobs/job';
import { submitJob } from '../../../server/jobs/job-store';
import { cancelJob, claimNextJob, completeJob, failJob, retryCrashedJob } from '../../../server/jobs/queue';
import { expireJobs, recoverOrphans } from '../../../server/jobs/sweeper';
import { openTestDatabase } from '../../helpers/databases';
import { newJob, userWith } from './fixtures';

const CAPACITY = 4;
const MAX_ATTEMPTS = 2;
const HOUR_MS = 3_600_000;

type Op =
  | { type: 'grant'; user: number; amount: number }
  | { type: 'submit'; user: number; cost: number }
  | { type: 'submit-crash'; user: number; cost: number }
  | { type: 'claim' }
  | { type: 'complete' | 'fail' | 'timeout' | 'cancel'; job: number; byOwner: boolean }
  | { type: 'crash' }
  | { type: 'worker-death'; job: number };

const user = fc.integer({ min: 0, max: 1 });
const job = fc.nat({ max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('grant' as const), user, amount: fc.integer({ min: 1, max: 30_000 }) }),
  {
    arbitrary: fc.record({ type: fc.constant('submit' as const), user, cost: fc.integer({ min: 1, max: 6_000 }) }),
    weight: 4,
  },
  fc.record({ type: fc.constant('submit-crash' as const), user, cost: fc.integer({ min: 1, max: 6_000 }) }),
  { arbitrary: fc.record({ type: fc.constant('claim' as const) }), weight: 3 },
  ...(['complete', 'fail', 'timeout', 'cancel'] as const).map((type) =>
    fc.record({ type: fc.constant(type), job, byOwner: fc.boolean() }),
  ),
  fc.record({ type: fc.constant('crash' as const) }),
  { arbitrary: fc.record({ type: fc.constant('worker-death' as const), job }), weight: 2 },
);

/** What the database should hold, in plain JS. */
interface Model {
  balances: number[];
  jobs: { id: string; user: number; cost: number; status: Job['status']; attempts: number; claim?: Job }[];
}

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase('pglite');
});
afterAll(() => db.close());

const TIERS: Tier[] = ['pro', 'starter'];

async function apply(users: User[], o: Op, m: Model): Promise<void> {
  const active = (u: number) =>
    m.jobs.filter((j) => j.user === u && (j.status === 'queued' || j.status === 'processing'));
  const pick = (n: number) => (m.jobs.length ? m.jobs[n % m.jobs.length]! : undefined);
  const fail = (j: Model['jobs'][number]) => {
    j.status = 'failed';
    j.claim = undefined;
    m.balances[j.user]! += j.cost;
  };
  switch (o.type) {
    case 'grant':
      await addCredits(db, users[o.user]!.id, o.amount);
      m.balances[o.user]! += o.amount;
      return;
    case 'submit': {
      const outcome = await submitJob(db, newJob(users[o.user]!, o.cost), CAPACITY).then(
        (j) => j,
        (error: Error) => error.name,
      );
      const queued = m.jobs.filter((j) => j.status === 'queued').length;
      const expected =
        active(o.user).length >= CONCURRENT_JOBS[TIERS[o.user]!]
          ? 'ConcurrencyLimitError'
          : queued >= CAPACITY
            ? 'QueueFullError'
            : m.balances[o.user]! < o.cost
              ? 'InsufficientCreditsError'
              : 'ok';
      expect(typeof outcome === 'string' ? outcome : 'ok').toBe(expected);
      if (typeof outcome !== 'string') {
        m.jobs.push({ id: outcome.id, user: o.user, cost: o.cost, status: 'queued', attempts: 0 });
        m.balances[o.user]! -= o.cost;
      }
      return;
    }
    case 'submit-crash': {
      // The insert after the charge fails (NOT NULL), as a crash between charge and insert would: all rolls back.
      const broken = { ...newJob(users[o.user]!, o.cost), modelSlug: null as unknown as string };
      await expect(submitJob(db, broken, 1_000)).rejects.toThrow();
      return;
    }
    case 'claim': {
      const claimed = await claimNextJob(db);
      const next = m.jobs.find((j) => j.status === 'queued');
      expect(claimed?.id).toBe(next?.id);
      if (next && claimed) Object.assign(next, { status: 'processing', attempts: next.attempts + 1, claim: claimed });
      return;
    }
    case 'worker-death': {
      // The supervisor saw the process running this job die: re-queued while attempts remain, else failed.
      const running = m.jobs.filter((j) => j.status === 'processing');
      const j = running[o.job % Math.max(1, running.length)];
      if (!j) return;
      const claim = j.claim!;
      const fate = await retryCrashedJob(db, claim, MAX_ATTEMPTS, { code: 'worker_crashed', message: 'x' });
      expect(fate).toBe(j.attempts < MAX_ATTEMPTS ? 'requeued' : 'failed');
      if (fate === 'requeued') Object.assign(j, { status: 'queued', claim: undefined });
      else fail(j);
      // A second report of the same death (the same claim) changes nothing.
      expect(await retryCrashedJob(db, claim, MAX_ATTEMPTS, { code: 'worker_crashed', message: 'x' })).toBe('lost');
      return;
    }
    case 'crash': {
      // Every worker died: processing jobs are re-queued while they have attempts left, else failed.
      await recoverOrphans(db, { staleAfterMs: 0, maxAttempts: MAX_ATTEMPTS });
      for (const j of m.jobs.filter((j) => j.status === 'processing')) {
        if (j.attempts < MAX_ATTEMPTS) Object.assign(j, { status: 'queued', claim: undefined });
        else fail(j);
      }
      // Queue order is submission order, whatever was re-queued.
      return;
    }
  }
  // Completions and failures come from workers, so they mostly target running jobs; the rest any job.
  const running = m.jobs.filter((j) => j.status === 'processing');
  const j =
    (o.type === 'complete' || o.type === 'fail') && running.length && o.byOwner
      ? running[o.job % running.length]
      : pick(o.job);
  if (!j) return;
  const isActive = j.status === 'queued' || j.status === 'processing';
  if (o.type === 'complete') {
    const done = j.claim ? await completeJob(db, j.claim, `${j.id}.mp4`) : false;
    expect(done).toBe(j.status === 'processing');
    if (done) Object.assign(j, { status: 'completed', claim: undefined });
  } else if (o.type === 'fail') {
    const done = await failJob(db, j.id, { code: 'generation_failed', message: 'x' }, j.claim?.claimToken ?? 'none');
    expect(done).toBe(j.status === 'processing');
    if (done) fail(j);
  } else if (o.type === 'timeout') {
    // Backdate this job only, then sweep with hour-long limits: it alone is past them.
    await db.query(
      "UPDATE jobs SET queued_at = queued_at - interval '2 hours', started_at = started_at - interval '2 hours' WHERE id = $1",
      [j.id],
    );
    const expired = await expireJobs(db, { queueTimeoutMs: HOUR_MS, executionTimeoutMs: HOUR_MS });
    expect(expired).toEqual(isActive ? [j.id] : []);
    if (isActive) fail(j);
  } else {
    const owner = users[o.byOwner ? j.user : 1 - j.user]!;
    const done = await cancelJob(db, owner.id, j.id);
    expect(done).toBe(isActive && o.byOwner);
    if (done) fail(j);
  }
}

async function checkInvariants(users: User[], m: Model): Promise<void> {
  for (const [i, u] of users.entries()) {
    const { rows } = await db.query<{ sum: unknown }>(
      'SELECT COALESCE(SUM(amount), 0) AS sum FROM credit_ledger WHERE user_id = $1',
      [u.id],
    );
    expect(await balance(db, u.id)).toBe(m.balances[i]);
    expect(Number(rows[0]!.sum)).toBe(m.balances[i]);
    expect(m.balances[i]).toBeGreaterThanOrEqual(0);
  }
  const ids = m.jobs.map((j) => j.id);
  const ledger = await db.query<{ job_id: string; kind: string; amount: unknown }>(
    'SELECT job_id, kind, amount FROM credit_ledger WHERE job_id = ANY($1) ORDER BY id',
    [ids],
  );
  const states = await db.query<{ id: string; status: string }>('SELECT id, status FROM jobs WHERE id = ANY($1)', [
    ids,
  ]);
  for (const j of m.jobs) {
    const rows = ledger.rows.filter((r) => r.job_id === j.id);
    const amounts = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => Number(r.amount));
    expect(amounts('charge')).toEqual([-j.cost]);
    expect(amounts('refund')).toEqual(j.status === 'failed' ? [j.cost] : []);
    expect(states.rows.find((r) => r.id === j.id)?.status).toBe(j.status);
  }
}

describe('job money invariants (fast-check, PGlite)', () => {
  it('hold after any sequence of submit, claim, complete, fail, timeout, cancel, crash and worker death', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40, size: 'max' }), async (ops) => {
        // Start from an empty queue: earlier runs' active jobs would change claims and capacity.
        await expireJobs(db, { queueTimeoutMs: 0, executionTimeoutMs: 0 });
        const users = [await userWith(db, 20_000, 'pro'), await userWith(db, 20_000, 'starter')];
        const m: Model = { balances: [20_000, 20_000], jobs: [] };
        for (const o of ops) {
          await apply(users, o, m);
          await checkInvariants(users, m);
        }
      }),
      { numRuns: 40 },
    );
  });
});
