/**
 * `npm run bench -- server-load` (also part of `-- server`), loopback only, bounded in count and time:
 * 1. Status polling: 100 clients (100 users, one queued job each) poll `GET /api/v1/inference/status`
 *    for 5 s against the real server process (`server/index.ts`, embedded PGlite, WORKERS=0 so nothing
 *    else runs), beside a plain Express hello world in its own process under the same load, as a ratio.
 *    Goals (issue 9): ≥ 50 % of hello world's requests/s, p99 < 50 ms.
 * 2. Queue dispatch: 500 queued jobs, 4 claim loops of the real worker with a no-op model (the executor
 *    answers at once), on PGlite and on PostgreSQL: jobs/s from the first claim to the last completion.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKey } from '../server/accounts/keys';
import { createUser } from '../server/accounts/users';
import type { Database } from '../server/db/database';
import { openDatabase } from '../server/db/open';
import { openPostgres } from '../server/db/postgres';
import { migrate } from '../server/db/migrate';
import { openMemoryPglite } from '../server/db/pglite';
import { submitJob } from '../server/jobs/job-store';
import { fsVideoStorage } from '../server/jobs/video-storage';
import { scanModelDirs } from '../server/models/registry';
import { startWorker } from '../server/worker/worker';
import { startPostgres, stopPostgres } from '../scripts/ensure-postgres';
import { startServerProcess } from '../tests/helpers/server-process';
import { closedLoop, type LoadResult } from './load/load';

const CLIENTS = 100;
const LOAD_MS = 5_000;
const WARMUP_MS = 1_000;
const JOBS = 500;
const CLAIM_LOOPS = 4;
const FIXTURES = path.resolve('tests/fixtures/models');
const TINY = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1 };

const line = (name: string, r: LoadResult) =>
  `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(5)} ms  p99 ${r.p99
    .toFixed(1)
    .padStart(5)} ms  max ${r.max.toFixed(0).padStart(4)} ms  failed ${r.failures}/${r.requests}`;

async function helloWorld(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load/hello-server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error('hello-server exited before listening')));
  });
  return { url: `http://127.0.0.1:${port}/hello`, stop: () => child.kill('SIGTERM') };
}

async function statusPolling(): Promise<void> {
  // 100 users with a key each (the per-user limit is Phosor's 1000 per minute, so one user could not
  // carry the load) and one queued job each, made before the server starts on the same data folder.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'phosphene-load-'));
  const db = await openDatabase({ dataDir });
  const keys: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const user = await createUser(db, { email: `load-${i}@example.test`, tier: 'pro', initialMicro: 1_000_000_000 });
    keys.push((await createKey(db, user.id)).secret);
  }
  await db.close();
  const server = await startServerProcess({ DATA_DIR: dataDir, WORKERS: '0', LOG_LEVEL: 'warn' }, keys[0]);
  const hello = await helloWorld();
  try {
    const ids: string[] = [];
    for (const key of keys) {
      const res = await fetch(`${server.url}/api/v1/inference/submit`, {
        method: 'POST',
        headers: { 'X-API-Key': key, 'content-type': 'application/json' },
        body: JSON.stringify(TINY),
      });
      if (!res.ok) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
      ids.push(((await res.json()) as { request_id: string }).request_id);
    }
    const base = await closedLoop({ clients: CLIENTS, ms: LOAD_MS, warmupMs: WARMUP_MS, urlOf: () => hello.url });
    const status = await closedLoop({
      clients: CLIENTS,
      ms: LOAD_MS,
      warmupMs: WARMUP_MS,
      urlOf: (i) => `${server.url}/api/v1/inference/status/${ids[i]}`,
      headersOf: (i) => ({ 'X-API-Key': keys[i]! }),
    });
    const ratio = status.perSecond / base.perSecond;
    console.log(`status polling, ${CLIENTS} clients, ${LOAD_MS / 1000} s each (after ${WARMUP_MS / 1000} s warm-up):`);
    console.log(line('Express hello world', base));
    console.log(line('GET /api/v1/inference/status/{id}', status));
    console.log(
      `ratio ${(100 * ratio).toFixed(0)} % of hello world (goal ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'NOT met'}); ` +
        `status p99 ${status.p99.toFixed(1)} ms (goal < 50 ms: ${status.p99 < 50 ? 'met' : 'NOT met'})`,
    );
  } finally {
    hello.stop();
    await server.stop();
  }
}

/** Jobs/s through the real claim loops with an executor that does nothing. */
async function dispatch(db: Database): Promise<number> {
  const registry = await scanModelDirs([FIXTURES]);
  const storage = fsVideoStorage(mkdtempSync(path.join(tmpdir(), 'phosphene-load-videos-')));
  // 20 active jobs per pro user: 25 users make the 500.
  for (let u = 0; u < JOBS / 20; u++) {
    const user = await createUser(db, { email: `dispatch-${u}@example.test`, tier: 'pro', initialMicro: 1e9 });
    for (let j = 0; j < 20; j++)
      await submitJob(
        db,
        {
          userId: user.id,
          tier: user.tier,
          modelId: 'phosphene/tiny-test/text-to-video',
          modelSlug: 'phosphene-tiny',
          params: { ...TINY, negative_prompt: '', guidance_scale: 1, seed: j, frames_per_second: 16 },
          costMicro: 10_000,
        },
        JOBS,
      );
  }
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const noop = { execute: async () => new Uint8Array([0, 0, 0, 8, 102, 116, 121, 112]) };
  const started = performance.now();
  const worker = startWorker({
    db,
    registry,
    storage,
    executors: Array.from({ length: CLAIM_LOOPS }, () => noop),
    pollIntervalMs: 5,
    onOutcome: () => {
      if (++done === JOBS) finished();
    },
  });
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.stop();
  return JOBS / seconds;
}

await statusPolling();
console.log(`\nqueue dispatch, ${JOBS} jobs, ${CLAIM_LOOPS} claim loops, no-op model:`);
const pglite = await openMemoryPglite();
await migrate(pglite);
console.log(`PGlite (in process)   ${(await dispatch(pglite)).toFixed(0).padStart(5)} jobs/s`);
await pglite.close();
const pg = await startPostgres();
try {
  const db = await openPostgres(pg.url);
  await migrate(db);
  console.log(`PostgreSQL (local)    ${(await dispatch(db)).toFixed(0).padStart(5)} jobs/s`);
  await db.close();
} finally {
  stopPostgres(pg);
}
