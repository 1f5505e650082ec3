/** The production build served by the real app on 127.0.0.1, for the browser benchmarks (built first if missing). */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../server/app';
import { scanModelDirs } from '../../server/models/registry';

/** Median of a non-empty list. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts the app with the shipped models and the test fixtures; `close` stops it. */
export async function startAppServer(): Promise<{ base: string; close: () => void }> {
  if (!existsSync('dist/index.html')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const registry = await scanModelDirs([path.resolve('models'), path.resolve('tests/fixtures/models')]);
  const server = createApp({ registry, distDir: path.resolve('dist') }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
