/** The server process: the only place that listens. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from './app';
import { readConfig } from './config';
import { databaseSettings, openDatabase } from './db/open';
import { startInferencePool } from './inference/pool';
import { readJobsConfig } from './jobs/config';
import { fsVideoStorage } from './jobs/video-storage';
import { findUserLora } from './loras/loras';
import { startLoraSweeper } from './loras/sweeper';
import { runPeriodically } from './db/periodic';
import { answerClientErrorsAsJson } from './client-errors';
import { sweepIdempotencyKeys } from './idempotency/keys';
import { deliverDueWebhooks, enqueueWebhookEvents } from './webhooks/deliveries';
import { scanModelDirs } from './models/registry';
import { log } from './log/logger';
import { DiskFileStore } from './storage/file-store';
import { sweepRetention } from './storage/retention';
import { findUserImage } from './storage/images';
import { startWorker } from './worker/worker';

const config = readConfig(process.env);
const registry = await scanModelDirs(config.modelDirs);
for (const problem of registry.problems) console.warn(`model package skipped: ${problem.dir}: ${problem.message}`);
const dbSettings = databaseSettings(process.env);
const db = await openDatabase(dbSettings);
const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// Jobs: this process owns the database, claims jobs and supervises WORKERS inference processes (default
// 1; WORKERS=0 or WORKER=0 on API-only nodes). Inference never runs here: a job that crashes or outgrows
// its worker's memory kills that process, not the API. PGlite admits one process per DATA_DIR, so the
// workers get their jobs over IPC instead of opening the database; on PostgreSQL more can run elsewhere
// (`npm run worker`).
const jobsConfig = readJobsConfig(process.env, dbSettings.dataDir ?? './data');
const storage = fsVideoStorage(jobsConfig.videoDir);
// Uploads, imports and LoRAs live under DATA_DIR/files; the sweeper expires LoRAs after a day.
const filesDir = path.join(dbSettings.dataDir ?? './data', 'files');
const files = await DiskFileStore.open(filesDir);
// The workers read image-to-video jobs' images and LoRAs from the same store.
const pool = jobsConfig.worker
  ? startInferencePool({
      workers: jobsConfig.workers,
      memoryBudgetMb: jobsConfig.workerMemoryMb,
      idleMs: jobsConfig.inferenceIdleMs,
      filesDir,
      log,
    })
  : undefined;
const worker = pool ? startWorker({ db, registry, storage, files, ...jobsConfig, executors: pool.workers }) : undefined;
const loraSweeper = startLoraSweeper(db, files);
// Idempotency-Key records older than a day are forgotten (hourly is plenty: a stale row only costs space).
// Job events to webhooks: enqueue what happened, send what is due (each attempt leased across nodes).
const webhooks = runPeriodically(
  'webhook delivery',
  async () => {
    await enqueueWebhookEvents(db);
    await deliverDueWebhooks(db);
  },
  1000,
);
// Videos and images past their retention (and never one a live job needs), every 10 minutes.
const retention = runPeriodically(
  'retention sweep',
  () => sweepRetention(db, { videos: storage, files }, jobsConfig.retention),
  10 * 60_000,
);
const keySweeper = runPeriodically('Idempotency-Key sweep', () => sweepIdempotencyKeys(db), 3600_000);
const lookups = { findImage: findUserImage, findLora: findUserLora };
const jobs = {
  storage,
  ...jobsConfig,
  // Result URLs come from PUBLIC_URL, else from our own listen address (set below), never from a request.
  publicUrl: jobsConfig.publicUrl,
  memoryBudgetMb: jobsConfig.workerMemoryMb,
  lookups,
  onSubmitted: () => worker?.wake(),
  workers: () => pool?.workers.map((w) => w.state()) ?? [],
};

const app = createApp({
  registry,
  distDir: config.distDir,
  version,
  db,
  storage: { files, storageQuotaBytes: jobsConfig.storageQuotaBytes },
  jobs,
  logger: log,
  corsOrigins: config.corsOrigins,
  connectSrc: config.connectSrc,
});
const server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '127.0.0.1' ? 'localhost' : config.host;
  jobs.publicUrl ??= `http://${shownHost}:${port}`;
  if (!jobsConfig.publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(config.host))
    console.warn(`PUBLIC_URL is not set: result URLs point at ${jobs.publicUrl}; set it to the address clients use.`);
  console.log(
    `Phosphene ${version} on http://${shownHost}:${port} (${registry.models.length} model packages, ${jobsConfig.workers} inference workers of ${jobsConfig.workerMemoryMb} MB)`,
  );
});
answerClientErrorsAsJson(server);
// LoRA uploads carry up to 2 × 2048 MB: Node's default 5-minute request timeout would cut slow ones off.
// Every other route's body must arrive within 30 s (server/body-timeout.ts).
server.requestTimeout = 2 * 3600_000;

function shutdown(signal: string): void {
  console.log(`${signal}: closing`);
  void loraSweeper.stop();
  void keySweeper.stop();
  void retention.stop();
  void webhooks.stop();
  // Close the database before exiting so PGlite flushes and the DATA_DIR lock file is released.
  // The worker puts a running job back in the queue before the database closes.
  const stopWorker = (worker?.stop() ?? Promise.resolve()).then(() => pool?.close());
  server.close(() => void stopWorker.then(() => db.close()).finally(() => process.exit(0)));
  setTimeout(() => void db.close().finally(() => process.exit(0)), 5000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
