/**
 * `npm run worker` (server/worker/main.ts) on PostgreSQL, as a scale-out node runs it: two such
 * processes claim from the shared queue for themselves, each supervising an inference process, and
 * neither loads onnxruntime itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../server/db/database';
import { findJob, submitJob } from '../../../server/jobs/job-store';
import { openTestPostgresWithUrl } from '../../helpers/databases';
import { hasOnnxRuntimeLoaded, workerPids } from '../../helpers/server-process';
import { FIXTURE_MODELS } from '../jobs/inference-harness';
import { newJob, userWith } from '../jobs/fixtures';

describe('npm run worker on PostgreSQL', () => {
  let db: Database;
  let url: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'phosphene-worker-main-'));
  const processes: { child: ChildProcess; exited: Promise<void> }[] = [];
  const startWorkerProcess = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/worker/main.ts'], {
      env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, MODEL_DIRS: FIXTURE_MODELS, WORKERS: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    processes.push({ child, exited });
    return child;
  };
  beforeAll(async () => {
    ({ db, url } = await openTestPostgresWithUrl());
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await db?.close();
  });

  it('two worker processes share the queue and complete every job; each supervises one inference process and neither loads onnxruntime', async () => {
    const a = startWorkerProcess();
    const b = startWorkerProcess();
    const user = await userWith(db, 1_000_000);
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push(await submitJob(db, newJob(user)));
    for (const job of jobs)
      while ((await findJob(db, job.id))!.status !== 'completed') {
        const current = (await findJob(db, job.id))!;
        if (current.status === 'failed') throw new Error(`job ${job.id} failed: ${current.errorMessage}`);
        await sleep(50);
      }
    for (const job of jobs) expect(existsSync(path.join(dataDir, 'videos', `${job.id}.mp4`))).toBe(true);
    for (const main of [a, b]) {
      expect(hasOnnxRuntimeLoaded(main.pid!)).toBe(false);
      expect(workerPids(main.pid!)).toHaveLength(1);
    }
  });

  it('puts nothing back half-done when stopped with SIGTERM', async () => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    const { rows } = await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM jobs WHERE status = 'processing'");
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
