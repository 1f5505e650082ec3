/** The embedded default: PGlite (PostgreSQL compiled to WASM) in a data folder guarded by a lock file. */
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database, QueryResult, Queryable } from './database';
import { acquireDataDirLock } from './lock-file';

type PgliteQueryable = Pick<PgliteTransaction, 'query' | 'exec'>;

function queryable(target: PgliteQueryable): Queryable {
  return {
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

function wrap(pg: PGlite, release: () => void): Database {
  return {
    kind: 'pglite',
    ...queryable(pg),
    // PGlite runs one transaction at a time (an internal mutex), which also serialises concurrent charges.
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    close: async () => {
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * Opens PGlite in `<dataDir>/pglite`, holding `<dataDir>/phosphene.lock` while open.
 * The database lives in a subfolder so the lock file (and later uploads) never sit inside PGDATA.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const release = acquireDataDirLock(dir);
  try {
    return wrap(await PGlite.create(path.join(dir, 'pglite')), release);
  } catch (error) {
    release();
    throw error;
  }
}

/** Opens a throwaway in-memory PGlite (tests); no folder, so no lock. */
export async function openMemoryPglite(): Promise<Database> {
  return wrap(await PGlite.create(), () => undefined);
}
