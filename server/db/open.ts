/** Opens the configured database and brings its schema up to date: what the server and the CLI call. */
import type { Database } from './database';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

/** Where the data lives: `DATABASE_URL` (PostgreSQL) wins over `DATA_DIR` (PGlite, default `./data`). */
export interface DatabaseSettings {
  databaseUrl?: string;
  dataDir?: string;
}

/** Reads `DATABASE_URL` and `DATA_DIR` from an environment. */
export function databaseSettings(env: NodeJS.ProcessEnv): DatabaseSettings {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: env.DATA_DIR || './data' };
}

/** Opens PostgreSQL or PGlite and applies pending migrations; closes again if they fail. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  const db = settings.databaseUrl
    ? await openPostgres(settings.databaseUrl)
    : await openPglite(settings.dataDir ?? './data');
  try {
    await migrate(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
