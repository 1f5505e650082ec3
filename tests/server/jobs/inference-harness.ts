/** The inference test app: the tiny model, a temporary video folder, fake image/LoRA lookups, worker on demand. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { createKey } from '../../../server/accounts/keys';
import type { Tier } from '../../../server/accounts/tiers';
import { createUser, type User } from '../../../server/accounts/users';
import { createApp } from '../../../server/app';
import type { Database } from '../../../server/db/database';
import type { AssetLookups } from '../../../server/jobs/asset-lookups';
import { fsVideoStorage, type VideoStorage } from '../../../server/jobs/video-storage';
import type { InferenceOptions } from '../../../server/routes/inference';
import { scanModelDirs, type ModelRegistry } from '../../../server/models/registry';
import { startWorker, type JobWorker, type WorkerOptions } from '../../../server/worker/worker';

/** The folder holding the tiny fixture package. */
export const FIXTURE_MODELS = path.resolve('tests/fixtures/models');

/** A small valid body: the tiny model at 64×64×5, one step. */
export const SMALL = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1 };

/** Image keys and LoRAs the fake storage knows, by user id. */
export interface FakeAssets {
  images: Map<string, Set<string>>;
  loras: Map<string, Map<string, boolean>>;
}

/** Lookups backed by `assets`. */
export function fakeLookups(assets: FakeAssets): AssetLookups {
  return {
    findImage: async (_q, userId, key) => (assets.images.get(userId)?.has(key) ? { key } : undefined),
    findLora: async (_q, userId, id) => {
      const ready = assets.loras.get(userId)?.get(id);
      return ready === undefined ? undefined : { id, ready };
    },
  };
}

/** Everything a route test needs around one database. */
export interface InferenceHarness {
  app: ReturnType<typeof createApp>;
  registry: ModelRegistry;
  storage: VideoStorage;
  assets: FakeAssets;
  /** A user of the tier with `micro` micro-credits and a key. */
  user(micro: number, tier?: Tier): Promise<{ user: User; key: string }>;
  /** Starts a worker on the app's queue (small intervals); stop it when done. */
  worker(options?: Partial<WorkerOptions>): JobWorker;
  /** An app on the same database with other inference options (capacity, TTL). */
  appWith(options: Partial<InferenceOptions>): ReturnType<typeof createApp>;
}

let n = 0;

/** Builds the harness on `db`, serving the fixture packages and those in `extraModelDirs`. */
export async function inferenceHarness(db: Database, extraModelDirs: string[] = []): Promise<InferenceHarness> {
  const registry = await scanModelDirs([FIXTURE_MODELS, ...extraModelDirs]);
  const storage = fsVideoStorage(mkdtempSync(path.join(tmpdir(), 'phosphene-videos-')));
  const assets: FakeAssets = { images: new Map(), loras: new Map() };
  const jobs: InferenceOptions = { storage, lookups: fakeLookups(assets) };
  const appWith = (options: Partial<InferenceOptions>) =>
    createApp({
      registry,
      distDir: '/nonexistent',
      db,
      rateLimit: { limit: 10_000, windowMs: 60_000 },
      jobs: { ...jobs, ...options },
    });
  return {
    app: appWith({}),
    registry,
    storage,
    assets,
    appWith,
    async user(micro, tier = 'pro') {
      const user = await createUser(db, {
        email: `inference-${process.pid}-${++n}@example.test`,
        tier,
        initialMicro: micro,
      });
      return { user, key: (await createKey(db, user.id)).secret };
    },
    worker: (options = {}) =>
      startWorker({
        db,
        registry,
        storage,
        pollIntervalMs: 20,
        sweepIntervalMs: 50,
        heartbeatMs: 100,
        staleAfterMs: 30_000,
        ...options,
      }),
  };
}

/** Polls status until the job reaches `status` (or any final state), failing after `ms`. */
export async function waitForStatus(
  app: ReturnType<typeof createApp>,
  key: string,
  id: string,
  until: (status: string) => boolean,
  ms = 20_000,
): Promise<{ status: string; progress: number; error?: { code: string; message: string } }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await request(app).get(`/api/v1/inference/status/${id}`).set('X-API-Key', key).expect(200);
    if (until(res.body.status)) return res.body;
    if (res.body.status === 'completed' || res.body.status === 'failed')
      throw new Error(`job ${id} ended ${res.body.status}: ${JSON.stringify(res.body.error)}`);
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.status} after ${ms} ms`);
    await sleep(25);
  }
}
