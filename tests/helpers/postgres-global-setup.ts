/**
 * vitest globalSetup: prepares a shared PostgreSQL for the test files that ask for one, and stops it
 * after the run. Nothing starts here: the first test file that needs PostgreSQL starts it (see
 * databases.ts), so runs without database tests pay nothing. TEST_DATABASE_URL points at an existing
 * server instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopPostgres, type RunningPostgres } from '../../scripts/ensure-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder where the first worker that needs PostgreSQL records the server it started. */
    postgresRunDir: string;
    /** An existing server to use instead, from the environment. */
    testDatabaseUrl: string;
  }
}

/** The file in the run folder that holds the started server (or the error that stopped it). */
export const READY_FILE = 'postgres.json';

/** Creates the run folder; the returned teardown stops whatever a worker started. */
export default function setup(project: TestProject): () => void {
  const runDir = mkdtempSync(path.join(tmpdir(), 'phosphene-test-run-'));
  project.provide('postgresRunDir', runDir);
  project.provide('testDatabaseUrl', process.env.TEST_DATABASE_URL ?? '');
  return () => {
    try {
      const started = JSON.parse(readFileSync(path.join(runDir, READY_FILE), 'utf8')) as Partial<RunningPostgres>;
      if (started.root && started.binDir) stopPostgres({ root: started.root, binDir: started.binDir });
    } catch {
      // No worker needed PostgreSQL.
    }
    rmSync(runDir, { recursive: true, force: true });
  };
}
