/**
 * The real server (`server/index.ts`) in its own process on 127.0.0.1 and a free port, on a fresh PGlite
 * DATA_DIR with one user, for tests and benchmarks that need `npm start`'s process tree. `stop()` sends
 * SIGTERM and waits for the exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKey } from '../../server/accounts/keys';
import type { Tier } from '../../server/accounts/tiers';
import { createUser } from '../../server/accounts/users';
import { openDatabase } from '../../server/db/open';

/** A running server process. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** An X-API-Key of a pro user with 1000 credits. */
  key: string;
  /** A key of each of the `users` asked for, in their order. */
  keys: string[];
  dataDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A further user the database gets before the server starts (for limits one user cannot show). */
export interface ExtraUser {
  tier: Tier;
  initialMicro: number;
}

/**
 * Starts the server with `env` added (MODEL_DIRS defaults to the test fixtures; DATABASE_URL, if given,
 * replaces the fresh PGlite). `key` reuses a user another server process on the same database made;
 * `users` are made beside it (the embedded database is the server's alone once it runs).
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  key?: string,
  users: ExtraUser[] = [],
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'phosphene-server-'));
  const keys: string[] = [];
  if (!key || users.length > 0) {
    const db = await openDatabase({ dataDir, databaseUrl: env.DATABASE_URL });
    const email = (n: number) => `server-${process.pid}-${Date.now()}-${n}@example.test`;
    if (!key) {
      const user = await createUser(db, { email: email(0), tier: 'pro', initialMicro: 1_000_000_000 });
      key = (await createKey(db, user.id)).secret;
    }
    for (const [i, extra] of users.entries())
      keys.push((await createKey(db, (await createUser(db, { email: email(i + 1), ...extra })).id)).secret);
    await db.close();
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      MODEL_DIRS: path.resolve('tests/fixtures/models'),
      DIST_DIR: path.join(dataDir, 'no-dist'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /on (http:\/\/\S+?):(\d+) /.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[2]}`);
    };
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`The server exited before listening:\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    key: key!,
    keys,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The ids of `pid`'s inference worker processes (from /proc, Linux; tsx's esbuild service is also a child). */
export function workerPids(pid: number): number[] {
  return childPids(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('inference-worker');
    } catch {
      return false;
    }
  });
}

/** The ids of `pid`'s child processes (from /proc, Linux). */
export function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // Field 4 of stat is the parent id; the command name (field 2) may hold spaces, so split after ')'.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether the process has onnxruntime's native library mapped (`/proc/<pid>/maps`). */
export function hasOnnxRuntimeLoaded(pid: number): boolean {
  return /onnxruntime/.test(readFileSync(`/proc/${pid}/maps`, 'utf8'));
}
