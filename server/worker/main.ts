/**
 * A worker-only process for deployments on PostgreSQL: API nodes run with `WORKER=0` and any number of
 * these claim jobs from the shared queue (`DATABASE_URL` and `MODEL_DIRS` as for the server; videos go to
 * `VIDEO_DIR`, a folder the API nodes share; images are read from `<DATA_DIR>/files`, which they must share
 * too). Like the server, it claims for itself and supervises `WORKERS` inference processes (default 1)
 * of `WORKER_MEMORY_MB` each. Run with `npm run worker`.
 */
import path from 'node:path';
import { readConfig } from '../config';
import { databaseSettings, openDatabase } from '../db/open';
import { startInferencePool } from '../inference/pool';
import { readJobsConfig } from '../jobs/config';
import { log } from '../log/logger';
import { fsVideoStorage } from '../jobs/video-storage';
import { scanModelDirs } from '../models/registry';
import { DiskFileStore } from '../storage/file-store';
import { startWorker } from './worker';

const settings = databaseSettings(process.env);
// PGlite belongs to one process (its lock file): there the server claims and supervises the workers.
if (!settings.databaseUrl)
  throw new Error('A separate worker needs DATABASE_URL (PostgreSQL); with PGlite the server runs WORKERS itself.');
const config = readConfig(process.env);
const jobsConfig = readJobsConfig(process.env, settings.dataDir ?? './data');
const registry = await scanModelDirs(config.modelDirs);
for (const problem of registry.problems) console.warn(`model package skipped: ${problem.dir}: ${problem.message}`);
const db = await openDatabase(settings);
const filesDir = path.join(settings.dataDir ?? './data', 'files');
const files = await DiskFileStore.open(filesDir);
const pool = startInferencePool({
  workers: Math.max(1, jobsConfig.workers),
  memoryBudgetMb: jobsConfig.workerMemoryMb,
  idleMs: jobsConfig.inferenceIdleMs,
  filesDir,
  log,
});
const worker = startWorker({
  db,
  registry,
  storage: fsVideoStorage(jobsConfig.videoDir),
  files,
  ...jobsConfig,
  executors: pool.workers,
  onOutcome: (jobId, outcome) => log.info({ jobId, outcome }, 'job run ended'),
});
log.info(
  { pid: process.pid, models: registry.models.length, workers: pool.workers.length, videoDir: jobsConfig.videoDir },
  'Phosphene worker started',
);

function shutdown(signal: string): void {
  console.log(`${signal}: putting the running job back and closing`);
  void worker
    .stop()
    .then(() => pool.close())
    .then(() => db.close())
    .finally(() => process.exit(0));
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
