/**
 * One suite, two databases: `describe.each(DATABASE_KINDS)` with `useTestDatabase(kind)` gives each
 * test file its own fresh, migrated PGlite (in memory) and PostgreSQL database (CREATE DATABASE on the
 * shared test server, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, inject } from 'vitest';
import { startPostgres } from '../../scripts/ensure-postgres';
import type { Database } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { openMemoryPglite } from '../../server/db/pglite';
import { openPostgres } from '../../server/db/postgres';
import { READY_FILE } from './postgres-global-setup';

/** The databases every database suite runs on. */
export type DatabaseKind = 'pglite' | 'postgres';

/** Both kinds, for `describe.each`. */
export const DATABASE_KINDS: DatabaseKind[] = ['pglite', 'postgres'];

/**
 * The shared server's URL. The first worker to get here starts it (an O_EXCL file elects it) and
 * records it for the others and for the globalSetup teardown, which stops it.
 */
async function sharedServerUrl(): Promise<string> {
  const external = inject('testDatabaseUrl');
  if (external) return external;
  const runDir = inject('postgresRunDir');
  if (!runDir)
    throw new Error(
      'No PostgreSQL for tests: run through vitest.config.ts (its globalSetup) or set TEST_DATABASE_URL.',
    );
  const ready = path.join(runDir, READY_FILE);
  let elected = false;
  try {
    openSync(path.join(runDir, 'start.lock'), 'wx');
    elected = true;
  } catch {
    // Another worker is starting it.
  }
  if (elected) {
    const record = await startPostgres().catch((error: Error) => ({ error: error.message }));
    writeFileSync(`${ready}.tmp`, JSON.stringify(record));
    renameSync(`${ready}.tmp`, ready);
  }
  for (let waited = 0; waited < 300_000; waited += 100) {
    try {
      const record = JSON.parse(readFileSync(ready, 'utf8')) as { url?: string; error?: string };
      if (record.url) return record.url;
      throw new Error(`The test PostgreSQL could not start: ${record.error}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await sleep(100);
  }
  throw new Error('Timed out waiting 300 s for another test worker to start PostgreSQL.');
}

/** A fresh, migrated PostgreSQL database and its URL, for tests that start other processes on it. */
export async function openTestPostgresWithUrl(): Promise<{ db: Database; url: string }> {
  const db = await openTestDatabase('postgres');
  return { db, url: postgresUrls.get(db)! };
}

const postgresUrls = new WeakMap<Database, string>();

/** A fresh, migrated database of that kind; closing it drops a PostgreSQL one. */
export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    const db = await openMemoryPglite();
    await migrate(db);
    return db;
  }
  const serverUrl = await sharedServerUrl();
  const admin = await openPostgres(serverUrl, { max: 1 });
  const name = `phosphene_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  await migrate(db);
  const test: Database = {
    ...db,
    close: async () => {
      await db.close();
      // Not WITH (FORCE): that kills backends still finishing our pool's goodbye, which then log errors.
      // The server backend of a just-closed client can outlive it for a moment, hence the retries.
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name}`);
          break;
        } catch (error) {
          if (attempt >= 50) throw error;
          await sleep(20);
        }
      }
      await admin.close();
    },
  };
  postgresUrls.set(test, url.toString());
  return test;
}

/** Opens a database of that kind before the enclosing describe's tests and closes it after them. */
export function useTestDatabase(kind: DatabaseKind): () => Database {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => {
    if (!db) throw new Error(`The ${kind} test database is not open (did its beforeAll fail?).`);
    return db;
  };
}
