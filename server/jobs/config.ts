/** The job settings read from the environment by `server/index.ts`. */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_QUEUE_CAPACITY } from './job-store';
import { EXECUTION_TIMEOUT_MS, QUEUE_TIMEOUT_MS } from './sweeper';
import { DEFAULT_URL_TTL_S } from './video-url';

const seconds = (fallbackMs: number) =>
  z.coerce
    .number()
    .positive()
    .default(fallbackMs / 1000);

const envSchema = z.object({
  WORKER: z.enum(['0', '1']).default('1'),
  QUEUE_CAPACITY: z.coerce.number().int().min(1).default(DEFAULT_QUEUE_CAPACITY),
  QUEUE_TIMEOUT_S: seconds(QUEUE_TIMEOUT_MS),
  EXECUTION_TIMEOUT_S: seconds(EXECUTION_TIMEOUT_MS),
  VIDEO_URL_TTL_S: z.coerce.number().int().min(1).default(DEFAULT_URL_TTL_S),
  PUBLIC_URL: z.url().optional(),
  VIDEO_DIR: z.string().min(1).optional(),
});

/** Job settings. */
export interface JobsConfig {
  /** `WORKER=0` runs an API-only node (jobs run in worker processes elsewhere). */
  worker: boolean;
  queueCapacity: number;
  queueTimeoutMs: number;
  executionTimeoutMs: number;
  urlTtlSeconds: number;
  publicUrl?: string;
  /** Where videos are stored: `VIDEO_DIR`, else `<DATA_DIR>/videos`. */
  videoDir: string;
}

/** Parses `env`, throwing a message that names the bad variable and the rule. */
export function readJobsConfig(env: NodeJS.ProcessEnv, dataDir: string): JobsConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Bad job settings in the environment: ${problems}.`);
  }
  const e = parsed.data;
  return {
    worker: e.WORKER === '1',
    queueCapacity: e.QUEUE_CAPACITY,
    queueTimeoutMs: e.QUEUE_TIMEOUT_S * 1000,
    executionTimeoutMs: e.EXECUTION_TIMEOUT_S * 1000,
    urlTtlSeconds: e.VIDEO_URL_TTL_S,
    publicUrl: e.PUBLIC_URL,
    videoDir: path.resolve(e.VIDEO_DIR ?? path.join(dataDir, 'videos')),
  };
}
