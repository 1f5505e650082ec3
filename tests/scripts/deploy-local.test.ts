/**
 * The scaled-out layout of docs/deploy.md, started by `scripts/deploy-local.ts` on the tests' PostgreSQL:
 * 2 API processes and 2 worker processes. Jobs spread over both workers, limits hold across both API
 * processes, and killing one of each (SIGKILL) mid-job loses nothing and charges nothing twice.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../server/accounts/keys';
import { balance } from '../../server/accounts/ledger';
import { createUser } from '../../server/accounts/users';
import type { Database } from '../../server/db/database';
import { startLocalDeployment, type LocalDeployment } from '../../scripts/deploy-local';
import { openTestPostgresWithUrl } from '../helpers/databases';
import { FIXTURE_MODELS } from '../server/jobs/inference-harness';

/** The tiny model's largest job: long enough (about a second) to kill a worker in the middle of it. */
const SLOW = { prompt: 'a red ball', width: 128, height: 72, num_frames: 17, num_inference_steps: 50 };
/** 128×72 is priced as 480p: 17 frames at 0.002 credits. */
const SLOW_PRICE_MICRO = 17 * 2000;

describe('the local deployment: 2 API processes, 2 workers, one PostgreSQL', () => {
  let db: Database;
  let deployment: LocalDeployment;
  beforeAll(async () => {
    const opened = await openTestPostgresWithUrl();
    db = opened.db;
    deployment = await startLocalDeployment({
      databaseUrl: opened.url,
      env: { MODEL_DIRS: FIXTURE_MODELS, LOG_LEVEL: 'silent', WORKER_HEARTBEAT_S: '0.25' },
    });
  }, 120_000);
  afterAll(async () => {
    await deployment?.stop();
    await db?.close();
  });

  let n = 0;
  const keyFor = async (tier: 'starter' | 'pro', micro = 10_000_000) => {
    const user = await createUser(db, { email: `deploy-${++n}@example.test`, tier, initialMicro: micro });
    return { userId: user.id, key: (await createKey(db, user.id)).secret };
  };
  const submit = async (api: number, key: string, body: object) => {
    const res = await fetch(`${deployment.urls[api]}/api/v1/inference/submit`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { request_id?: string; error?: { code: string } } };
  };
  const jobRow = async (id: string) =>
    (
      await db.query<{ status: string; claimed_by: string | null; attempts: number; error_message: string | null }>(
        'SELECT status, claimed_by, attempts, error_message FROM jobs WHERE id = $1',
        [id],
      )
    ).rows[0]!;
  const waitAll = async (ids: string[], ms = 90_000) => {
    const deadline = Date.now() + ms;
    for (const id of ids)
      for (;;) {
        const row = await jobRow(id);
        if (row.status === 'completed') break;
        if (row.status === 'failed') throw new Error(`job ${id} failed: ${row.error_message}`);
        if (Date.now() > deadline) throw new Error(`job ${id} still ${row.status} after ${ms} ms`);
        await sleep(50);
      }
  };

  it('spreads jobs submitted through both API processes over both workers', async () => {
    const { key } = await keyFor('pro');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await submit(i % 2, key, SLOW);
      expect(res.status).toBe(200);
      ids.push(res.body.request_id!);
    }
    await waitAll(ids);
    const claimedBy = new Set<string>();
    for (const id of ids) claimedBy.add((await jobRow(id)).claimed_by!);
    const workerPids = deployment.workers.map((w) => String(w.child.pid));
    expect([...claimedBy].map((c) => c.split(':').at(-1)).sort()).toEqual(workerPids.sort());
    for (const id of ids) expect(existsSync(path.join(deployment.dataDir, 'videos', `${id}.mp4`))).toBe(true);
  }, 120_000);

  it('holds a starter user to one job across both API processes', async () => {
    const { key } = await keyFor('starter');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(i % 2, key, SLOW)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429, 429]);
    await waitAll(results.filter((r) => r.status === 200).map((r) => r.body.request_id!));
  }, 120_000);

  it('loses nothing when one API process and one worker are killed mid-job', async () => {
    const { userId, key } = await keyFor('pro', 10_000_000);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await submit(i % 2, key, SLOW)).body.request_id!);
    // API 0 dies with its jobs accepted; the other keeps taking submits.
    deployment.apis[0]!.child.kill('SIGKILL');
    await deployment.apis[0]!.exited;
    for (let i = 0; i < 2; i++) ids.push((await submit(1, key, SLOW)).body.request_id!);
    // Worker 0 dies while it runs one of them.
    const victim = deployment.workers[0]!;
    const deadline = Date.now() + 60_000;
    let running: string | undefined;
    while (!running && Date.now() < deadline) {
      const { rows } = await db.query<{ id: string }>(
        "SELECT id FROM jobs WHERE status = 'processing' AND claimed_by LIKE $1 AND id = ANY($2)",
        [`%:${victim.child.pid}`, ids],
      );
      running = rows[0]?.id;
      if (!running) await sleep(20);
    }
    expect(running).toBeDefined();
    victim.child.kill('SIGKILL');
    await victim.exited;
    await waitAll(ids, 120_000);
    // The killed worker's job ran again on the survivor (a second claim), and every job was charged once.
    const rerun = await jobRow(running!);
    expect(rerun.attempts).toBe(2);
    expect(rerun.claimed_by!.endsWith(`:${deployment.workers[1]!.child.pid}`)).toBe(true);
    expect(await balance(db, userId)).toBe(10_000_000 - ids.length * SLOW_PRICE_MICRO);
    for (const id of ids) expect(existsSync(path.join(deployment.dataDir, 'videos', `${id}.mp4`))).toBe(true);
  }, 180_000);
});
