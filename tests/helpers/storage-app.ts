/**
 * An app with storage for the upload, import and LoRA route suites: files in a temp folder, small
 * limits, and (for the `app`) a fetch policy that lets 127.0.0.1 and `*.example.test` (resolved to
 * 127.0.0.1) play the public internet. `strictApp` keeps the real policy.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../server/app';
import type { Database } from '../../server/db/database';
import { scanModelDirs } from '../../server/models/registry';
import { allowAlso } from '../../server/net/address-policy';
import type { Resolver } from '../../server/net/vet-url';
import { DiskFileStore } from '../../server/storage/file-store';
import { TEST_CERT } from './tls-fixture';

/** Limits small enough to cross in a test. */
export const TEST_LIMITS = { maxImageBytes: 64 * 1024, maxLoraBytes: 16 * 1024 };

const resolve: Resolver = async (host) => {
  if (host.endsWith('.example.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`no DNS in tests (${host})`);
};

/** Both apps on one database and one file store. */
export async function storageApps(db: Database) {
  const files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-storage-')));
  const registry = await scanModelDirs([]);
  const base = { registry, distDir: '/nonexistent', db, rateLimit: { limit: 10_000, windowMs: 60_000 } };
  const app = createApp({
    ...base,
    storage: { files, ...TEST_LIMITS, fetch: { policy: allowAlso(['127.0.0.1']), resolve, ca: TEST_CERT } },
  });
  const strictApp = createApp({ ...base, storage: { files, ...TEST_LIMITS } });
  return { app, strictApp, files };
}

/** Requests with an X-API-Key. */
export const as = (app: ReturnType<typeof createApp>, key: string) => ({
  get: (url: string) => request(app).get(url).set('X-API-Key', key),
  post: (url: string) => request(app).post(url).set('X-API-Key', key),
  delete: (url: string) => request(app).delete(url).set('X-API-Key', key),
});
