/**
 * The scaled-out layout on one machine (docs/deploy.md): a PostgreSQL, N API processes (`server/index.ts`
 * with WORKERS=0) and M worker processes (`server/worker/main.ts`), sharing one DATA_DIR for uploads and
 * videos. `npm run deploy:local` starts 2 + 2 (and a throwaway PostgreSQL unless DATABASE_URL is set),
 * prints where they listen, and stops everything on Ctrl-C. Tests start the same layout through
 * `startLocalDeployment`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPostgres, stopPostgres, type RunningPostgres } from './ensure-postgres';

/** How many of each process, and what they all get. */
export interface DeploymentOptions {
  apis?: number;
  workers?: number;
  /** PostgreSQL to use; absent, a throwaway cluster is started (and removed by `stop`). */
  databaseUrl?: string;
  /** Shared by every process: uploads in `files/`, videos in `videos/`. A temp folder by default. */
  dataDir?: string;
  /** Port of the first API process; the others take the next ones. 0 (default): free ports. */
  basePort?: number;
  /** Added to every process's environment (MODEL_DIRS, LOG_LEVEL, WORKER_HEARTBEAT_S…). */
  env?: Record<string, string>;
}

/** One process of the layout. */
export interface DeployedProcess {
  role: 'api' | 'worker';
  child: ChildProcess;
  exited: Promise<void>;
  /** Its stdout and stderr so far. */
  output(): string;
}

/** A running layout. */
export interface LocalDeployment {
  databaseUrl: string;
  dataDir: string;
  /** The API processes' origins, in start order. */
  urls: string[];
  apis: DeployedProcess[];
  workers: DeployedProcess[];
  /** SIGTERM to every process still running, then the throwaway PostgreSQL. */
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function launch(role: DeployedProcess['role'], entry: string, env: Record<string, string>): DeployedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { role, child, exited, output: () => output };
}

/** Resolves with the API's origin once it prints that it listens; rejects if it exits first. */
function listening(api: DeployedProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /on http:\/\/\S+?:(\d+) /.exec(api.output());
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    };
    api.child.stdout!.on('data', onData);
    void api.exited.then(() => reject(new Error(`An API process exited before listening:\n${api.output()}`)));
  });
}

/** Starts the layout; the first API process migrates the database before the others start. */
export async function startLocalDeployment(options: DeploymentOptions = {}): Promise<LocalDeployment> {
  let postgres: RunningPostgres | undefined;
  const databaseUrl = options.databaseUrl ?? (postgres = await startPostgres()).url;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'phosphene-deploy-'));
  const shared = {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    VIDEO_DIR: path.join(dataDir, 'videos'),
    HOST: '127.0.0.1',
    ...options.env,
  };
  const port = (i: number) => String(options.basePort ? options.basePort + i : 0);
  const apis: DeployedProcess[] = [];
  const workers: DeployedProcess[] = [];
  const stop = async () => {
    for (const p of [...apis, ...workers])
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all([...apis, ...workers].map((p) => p.exited));
    if (postgres) stopPostgres(postgres);
  };
  try {
    const apiEnv = (i: number) => ({ ...shared, PORT: port(i), WORKERS: '0' });
    apis.push(launch('api', 'server/index.ts', apiEnv(0)));
    const urls = [await listening(apis[0]!)];
    for (let i = 1; i < (options.apis ?? 2); i++) apis.push(launch('api', 'server/index.ts', apiEnv(i)));
    urls.push(...(await Promise.all(apis.slice(1).map(listening))));
    for (let i = 0; i < (options.workers ?? 2); i++)
      workers.push(launch('worker', 'server/worker/main.ts', { WORKERS: '1', ...shared }));
    return { databaseUrl, dataDir, urls, apis, workers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const deployment = await startLocalDeployment({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: process.env.DATA_DIR,
    basePort: Number(process.env.PORT ?? 8787),
    env: { MODEL_DIRS: process.env.MODEL_DIRS ?? 'models' },
  });
  console.log(`PostgreSQL: ${deployment.databaseUrl}`);
  console.log(`DATA_DIR (files and videos, shared): ${deployment.dataDir}`);
  for (const url of deployment.urls) console.log(`API: ${url}`);
  console.log(`Workers: ${deployment.workers.map((w) => w.child.pid).join(', ')}. Ctrl-C stops everything.`);
  console.log(
    `Create a user: DATABASE_URL=${deployment.databaseUrl} npm run admin -- create-user --email you@example.com --credits 100`,
  );
  for (const p of [...deployment.apis, ...deployment.workers])
    void p.exited.then(() =>
      console.log(`${p.role} ${p.child.pid} exited (${p.child.exitCode ?? p.child.signalCode})`),
    );
  const shutdown = () => void deployment.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
