/** The embedded default: PGlite (PostgreSQL compiled to WASM) in a data folder guarded by a lock file. */
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database, QueryResult, Queryable } from './database';
import { acquireDataDirLock } from './lock-file';
import { WriteClock } from './write-clock';

type PgliteQueryable = Pick<PgliteTransaction, 'query' | 'exec'>;

function queryable(target: PgliteQueryable, clock: WriteClock): Queryable {
  return {
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      clock.note(sql);
      try {
        const result = await target.query<R>(sql, params);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      } finally {
        clock.note(sql);
      }
    },
    async exec(sql: string): Promise<void> {
      clock.noteScript();
      try {
        await target.exec(sql);
      } finally {
        clock.noteScript();
      }
    },
  };
}

function wrap(pg: PGlite, release: () => void): Database {
  // The lock file makes this process the data folder's only writer, so every write passes through here.
  const writes = new WriteClock();
  return {
    kind: 'pglite',
    writes,
    ...queryable(pg, writes),
    // PGlite runs one transaction at a time (an internal mutex), which also serialises concurrent charges.
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx, writes))),
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
