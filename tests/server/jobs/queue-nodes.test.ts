/**
 * Submits from two API nodes (two connection pools) on one PostgreSQL at the same moment: the queue
 * capacity and the tier concurrency hold exactly, and SKIP LOCKED claims from several connections
 * never hand one job to two workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balance } from '../../../server/accounts/ledger';
import type { Database } from '../../../server/db/database';
import { openPostgres } from '../../../server/db/postgres';
import { submitJob } from '../../../server/jobs/job-store';
import { claimNextJob } from '../../../server/jobs/queue';
import { expireJobs } from '../../../server/jobs/sweeper';
import { openTestPostgresWithUrl } from '../../helpers/databases';
import { newJob, userWith } from './fixtures';

describe('two API nodes on one PostgreSQL', () => {
  let nodes: Database[] = [];
  beforeAll(async () => {
    const { db, url } = await openTestPostgresWithUrl();
    nodes = [db, await openPostgres(url), await openPostgres(url)];
  });
  afterAll(async () => {
    await Promise.all(nodes.slice(1).map((d) => d.close()));
    await nodes[0]?.close();
  });
  const emptyQueue = () => expireJobs(nodes[0]!, { queueTimeoutMs: 0, executionTimeoutMs: 0 });
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'queued',
      (e: Error) => e.name,
    );

  it('never queue more than the capacity, whatever arrives at once', async () => {
    await emptyQueue();
    const users = await Promise.all(Array.from({ length: 12 }, () => userWith(nodes[0]!, 100_000)));
    const results = await Promise.all(users.map((u, i) => outcome(submitJob(nodes[i % 2]!, newJob(u), 5))));
    expect(results.filter((r) => r === 'queued')).toHaveLength(5);
    expect(results.filter((r) => r === 'QueueFullError')).toHaveLength(7);
    // Only the queued ones were charged.
    const balances = await Promise.all(users.map((u) => balance(nodes[0]!, u.id)));
    expect(balances.filter((b) => b === 90_000)).toHaveLength(5);
  });

  it('never run more of one user’s jobs than the tier allows', async () => {
    await emptyQueue();
    const starter = await userWith(nodes[0]!, 1_000_000, 'starter');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outcome(submitJob(nodes[i % 2]!, newJob(starter), 100))),
    );
    expect(results.filter((r) => r === 'queued')).toHaveLength(1);
    expect(results.filter((r) => r === 'ConcurrencyLimitError')).toHaveLength(7);
  });

  it('claim each queued job exactly once from several connections (SKIP LOCKED)', async () => {
    await emptyQueue();
    const user = await userWith(nodes[0]!, 1_000_000);
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push((await submitJob(nodes[0]!, newJob(user), 100)).id);
    const claimed = await Promise.all(Array.from({ length: 18 }, (_, i) => claimNextJob(nodes[i % 3]!)));
    const got = claimed.flatMap((j) => (j ? [j.id] : []));
    expect(got.sort()).toEqual([...ids].sort());
    expect(claimed.filter((j) => j === undefined)).toHaveLength(6);
  });
});
