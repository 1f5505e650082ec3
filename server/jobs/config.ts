/** The job settings read from the environment by `server/index.ts`. */
import os from 'node:os';
import path from 'node:path';
import type { RetentionSettings } from '../storage/retention';
import { z } from 'zod';
import { DEFAULT_QUEUE_CAPACITY } from './job-store';
import { EXECUTION_TIMEOUT_MS, QUEUE_TIMEOUT_MS } from './sweeper';
import { DEFAULT_URL_TTL_S } from './video-url';
import { readUpstreams, type Upstream } from '../upstream/config';

const seconds = (fallbackMs: number) =>
  z.coerce
    .number()
    .positive()
    .default(fallbackMs / 1000);

const DAY_MS = 24 * 3600_000;

const envSchema = z.object({
  WORKER: z.enum(['0', '1']).default('1'),
  WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  WORKER_MEMORY_MB: z.coerce.number().int().min(1).optional(),
  INFERENCE_IDLE_S: z.coerce.number().positive().default(300),
  QUEUE_CAPACITY: z.coerce.number().int().min(1).default(DEFAULT_QUEUE_CAPACITY),
  QUEUE_TIMEOUT_S: seconds(QUEUE_TIMEOUT_MS),
  EXECUTION_TIMEOUT_S: seconds(EXECUTION_TIMEOUT_MS),
  WORKER_HEARTBEAT_S: z.coerce.number().min(0.05).max(60).default(10),
  VIDEO_URL_TTL_S: z.coerce.number().int().min(1).default(DEFAULT_URL_TTL_S),
  PUBLIC_URL: z.url().optional(),
  VIDEO_DIR: z.string().min(1).optional(),
  MODEL_ALIASES: z.enum(['on', 'off']).default('on'),
  STATUS_CACHE_MS: z.coerce.number().int().min(0).max(5000).default(500),
  VIDEO_RETENTION_DAYS: z.coerce.number().positive().default(7),
  IMAGE_RETENTION_DAYS: z.coerce.number().positive().default(7),
  STORAGE_QUOTA_MB: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 1024),
});

/** The share of the machine's memory that inference workers may use together, when WORKER_MEMORY_MB is unset. */
export const WORKER_MEMORY_SHARE = 0.6;

/**
 * Each worker's memory budget by default: 60 % of the machine's memory split between the workers; the
 * other 40 % is for the API process, the embedded database (0.4–0.9 GB) and the system.
 */
export function defaultWorkerMemoryMb(workers: number, totalBytes = os.totalmem()): number {
  return Math.floor((WORKER_MEMORY_SHARE * totalBytes) / 2 ** 20 / Math.max(1, workers));
}

/** Job settings. */
export interface JobsConfig {
  /** Whether this process runs jobs at all (`WORKERS=0` or `WORKER=0`: an API-only node). */
  worker: boolean;
  /** Supervised inference worker processes (`WORKERS`, default 1). */
  workers: number;
  /** Memory each worker process may use, in MB (`WORKER_MEMORY_MB`); jobs are planned against it. */
  workerMemoryMb: number;
  /** Idle time after which a worker process releases its loaded models. */
  inferenceIdleMs: number;
  queueCapacity: number;
  queueTimeoutMs: number;
  executionTimeoutMs: number;
  /** WORKER_HEARTBEAT_S (10): a running job's heartbeat; one silent for 6 beats has lost its worker. */
  heartbeatMs: number;
  urlTtlSeconds: number;
  publicUrl?: string;
  /** Where videos are stored: `VIDEO_DIR`, else `<DATA_DIR>/videos`. */
  videoDir: string;
  /** VIDEO_RETENTION_DAYS and IMAGE_RETENTION_DAYS (7 each). */
  retention: RetentionSettings;
  /** MODEL_ALIASES (on): whether Phosor's model ids run on our default model. */
  modelAliases: boolean;
  /** STORAGE_QUOTA_MB (10240): what each user may store in all. */
  storageQuotaBytes: number;
  /** STATUS_CACHE_MS (500): how old a job a status poll may be answered from; 0 reads the database each time. */
  statusCacheMs: number;
  /** UPSTREAMS or UPSTREAMS_FILE: other Phosor-compatible servers jobs may be forwarded to (none by default). */
  upstreams: Upstream[];
}

/** Parses `env`, throwing a message that names the bad variable and the rule. */
export function readJobsConfig(env: NodeJS.ProcessEnv, dataDir: string): JobsConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Bad job settings in the environment: ${problems}.`);
  }
  const e = parsed.data;
  const workers = e.WORKER === '0' ? 0 : (e.WORKERS ?? 1);
  return {
    worker: workers > 0,
    workers,
    workerMemoryMb: e.WORKER_MEMORY_MB ?? defaultWorkerMemoryMb(workers),
    inferenceIdleMs: e.INFERENCE_IDLE_S * 1000,
    queueCapacity: e.QUEUE_CAPACITY,
    queueTimeoutMs: e.QUEUE_TIMEOUT_S * 1000,
    executionTimeoutMs: e.EXECUTION_TIMEOUT_S * 1000,
    heartbeatMs: e.WORKER_HEARTBEAT_S * 1000,
    urlTtlSeconds: e.VIDEO_URL_TTL_S,
    publicUrl: e.PUBLIC_URL,
    videoDir: path.resolve(e.VIDEO_DIR ?? path.join(dataDir, 'videos')),
    retention: { videoRetentionMs: e.VIDEO_RETENTION_DAYS * DAY_MS, imageRetentionMs: e.IMAGE_RETENTION_DAYS * DAY_MS },
    storageQuotaBytes: e.STORAGE_QUOTA_MB * 2 ** 20,
    modelAliases: e.MODEL_ALIASES === 'on',
    upstreams: readUpstreams(env),
    statusCacheMs: e.STATUS_CACHE_MS,
  };
}
