/**
 * A worker-only process for deployments on PostgreSQL: API nodes run with `WORKER=0` and any number of
 * these claim jobs from the shared queue (`DATABASE_URL` and `MODEL_DIRS` as for the server; videos go to
 * `VIDEO_DIR`, a folder the API nodes share; images are read from `<DATA_DIR>/files`, which they must share
 * too). Run with `tsx server/worker/main.ts`.
 */
import path from 'node:path';
import { readConfig } from '../config';
import { databaseSettings, openDatabase } from '../db/open';
import { readJobsConfig } from '../jobs/config';
import { fsVideoStorage } from '../jobs/video-storage';
import { scanModelDirs } from '../models/registry';
import { DiskFileStore } from '../storage/file-store';
import { startWorker } from './worker';

const settings = databaseSettings(process.env);
// PGlite belongs to one process (its lock file): there the server's in-process worker is the worker.
if (!settings.databaseUrl)
  throw new Error('A separate worker needs DATABASE_URL (PostgreSQL); with PGlite use WORKER=1 on the server.');
const config = readConfig(process.env);
const jobsConfig = readJobsConfig(process.env, settings.dataDir ?? './data');
const registry = await scanModelDirs(config.modelDirs);
for (const problem of registry.problems) console.warn(`model package skipped: ${problem.dir}: ${problem.message}`);
const db = await openDatabase(settings);
const files = await DiskFileStore.open(path.join(settings.dataDir ?? './data', 'files'));
const worker = startWorker({
  db,
  registry,
  storage: fsVideoStorage(jobsConfig.videoDir),
  files,
  ...jobsConfig,
  onOutcome: (id, outcome) => console.log(`job ${id}: ${outcome}`),
});
console.log(
  `Phosphene worker ${process.pid}: ${registry.models.length} model packages, videos in ${jobsConfig.videoDir}`,
);

function shutdown(signal: string): void {
  console.log(`${signal}: putting the running job back and closing`);
  void worker
    .stop()
    .then(() => db.close())
    .finally(() => process.exit(0));
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
