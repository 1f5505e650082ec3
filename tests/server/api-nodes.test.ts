/**
 * Two API processes (`server/index.ts`, WORKERS=0) on one PostgreSQL, as a scaled-out deployment runs
 * them: the per-user rate limit, the tier concurrency and the queue capacity hold exactly when requests
 * arrive at both at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../server/accounts/keys';
import { createUser } from '../../server/accounts/users';
import type { Database } from '../../server/db/database';
import { expireJobs } from '../../server/jobs/sweeper';
import { openTestPostgresWithUrl } from '../helpers/databases';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const SMALL = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1 };

describe('two API processes on one PostgreSQL', () => {
  let db: Database;
  let nodes: ServerProcess[] = [];
  beforeAll(async () => {
    const opened = await openTestPostgresWithUrl();
    db = opened.db;
    const env = { DATABASE_URL: opened.url, WORKERS: '0', QUEUE_CAPACITY: '3', LOG_LEVEL: 'silent' };
    const first = await startServerProcess(env);
    nodes = [first, await startServerProcess(env, first.key)];
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.close();
  });

  let n = 0;
  const keyFor = async (tier: 'starter' | 'pro') => {
    const user = await createUser(db, { email: `nodes-${++n}@example.test`, tier, initialMicro: 10_000_000 });
    return (await createKey(db, user.id)).secret;
  };
  const call = (i: number, key: string, route: string, body?: object) =>
    fetch(`${nodes[i % 2]!.url}${route}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    }).then(async (res) => ({
      status: res.status,
      code: ((await res.json()) as { error?: { code: string } }).error?.code,
    }));
  const tally = (results: { status: number }[]) =>
    results.reduce<Record<number, number>>((t, r) => ({ ...t, [r.status]: (t[r.status] ?? 0) + 1 }), {});

  it('allow one user exactly 1000 requests a minute between them', async () => {
    const key = nodes[0]!.key;
    const results = [];
    // 51 rounds of 20 simultaneous requests, alternating between the processes.
    for (let round = 0; round < 51; round++)
      results.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => call(i, key, '/api/v1/account')))));
    expect(tally(results)).toEqual({ 200: 1000, 429: 20 });
  });

  it('let a starter user run exactly one job, however many submits arrive at once', async () => {
    const key = await keyFor('starter');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(i, key, '/api/v1/inference/submit', SMALL)),
    );
    expect(tally(results)).toEqual({ 200: 1, 429: 5 });
    expect(results.filter((r) => r.status === 429).every((r) => r.code === 'concurrency_limit')).toBe(true);
  });

  it('queue exactly QUEUE_CAPACITY jobs when many users submit at once', async () => {
    // The previous test's job would take a place in the queue: expire it (failed and refunded).
    await expireJobs(db, { queueTimeoutMs: 0, executionTimeoutMs: 0 });
    const keys = await Promise.all(Array.from({ length: 8 }, () => keyFor('pro')));
    const results = await Promise.all(keys.map((key, i) => call(i, key, '/api/v1/inference/submit', SMALL)));
    expect(tally(results)).toEqual({ 200: 3, 503: 5 });
  });
});
