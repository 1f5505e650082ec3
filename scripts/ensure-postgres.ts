/**
 * A throwaway PostgreSQL for tests and local runs, from Debian's `postgresql` package:
 * `initdb` a cluster in a temp folder as the `postgres` user (initdb refuses root), start it with
 * `pg_ctl` on 127.0.0.1 and a free port, create a database, stop and delete it when done.
 * Run directly (`tsx scripts/ensure-postgres.ts`) it prints `DATABASE_URL=…` and runs until Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A started cluster: its URL, its temp folder and the binaries that stop it. */
export interface RunningPostgres {
  url: string;
  root: string;
  binDir: string;
}

const isRoot = process.getuid?.() === 0;

/** The newest `/usr/lib/postgresql/<version>/bin` that has initdb and pg_ctl. */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions
    .map((v) => path.join(base, v, 'bin'))
    .find((bin) => existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl')));
}

function run(command: string, args: string[], options: { asPostgres?: boolean; cwd?: string } = {}): string {
  const [cmd, argv] =
    options.asPostgres && isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0)
    throw new Error(
      `${[command, ...args].join(' ')} failed (${result.status ?? result.signal ?? result.error?.message}): ${(result.stderr || result.stdout || '').trim().slice(-800)}`,
    );
  return result.stdout;
}

/** Finds the binaries, installing `postgresql` with apt-get when missing and running as root. */
export function ensurePostgresInstalled(): string {
  const found = findPostgresBin();
  if (found) return found;
  if (!isRoot) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Install it with `sudo apt-get install -y postgresql` or set TEST_DATABASE_URL to a PostgreSQL you can create databases in.',
    );
  }
  console.log('ensure-postgres: installing Debian postgresql with apt-get …');
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'postgresql']);
  const bin = findPostgresBin();
  if (!bin) throw new Error('apt-get installed postgresql but /usr/lib/postgresql/*/bin/initdb is still missing.');
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Creates and starts a cluster with a `phosphene` database; durability is off because it is thrown away. */
export async function startPostgres(): Promise<RunningPostgres> {
  const binDir = ensurePostgresInstalled();
  const root = mkdtempSync(path.join(tmpdir(), 'phosphene-pg-'));
  if (isRoot) {
    const [uid, gid] = [run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])].map((s) => Number(s.trim()));
    chownSync(root, uid!, gid!);
  }
  const data = path.join(root, 'data');
  const bin = (name: string): string => path.join(binDir, name);
  try {
    run(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      asPostgres: true,
      cwd: root,
    });
    const port = await freePort();
    const options = `-h 127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    run(bin('pg_ctl'), ['-D', data, '-l', path.join(root, 'server.log'), '-w', '-t', '60', '-o', options, 'start'], {
      asPostgres: true,
      cwd: root,
    });
    run(bin('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'phosphene'], {
      asPostgres: true,
      cwd: root,
    });
    return { url: `postgres://postgres@127.0.0.1:${port}/phosphene`, root, binDir };
  } catch (error) {
    stopPostgres({ root, binDir });
    throw error;
  }
}

/** Stops the cluster (immediately: its data is not kept) and deletes its folder. */
export function stopPostgres(pg: Pick<RunningPostgres, 'root' | 'binDir'>): void {
  const data = path.join(pg.root, 'data');
  if (existsSync(path.join(data, 'postmaster.pid'))) {
    try {
      run(path.join(pg.binDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], {
        asPostgres: true,
        cwd: pg.root,
      });
    } catch (error) {
      console.error(`ensure-postgres: ${(error as Error).message}`);
    }
  }
  rmSync(pg.root, { recursive: true, force: true });
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain && process.argv.includes('--install-only')) {
  // `npm test` installs before vitest starts: an apt install can outlast a test hook's timeout.
  try {
    console.log(`PostgreSQL binaries: ${ensurePostgresInstalled()}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
} else if (isMain) {
  const pg = await startPostgres();
  process.on('exit', () => stopPostgres(pg));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  console.log(`DATABASE_URL=${pg.url}`);
  console.log('PostgreSQL is running; Ctrl-C stops it and deletes its data.');
  setInterval(() => undefined, 1 << 30);
}
