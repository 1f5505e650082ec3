/** The server process: the only place that listens. */
import { readFile } from 'node:fs/promises';
import { createApp } from './app';
import { readConfig } from './config';
import { databaseSettings, openDatabase } from './db/open';
import { scanModelDirs } from './models/registry';

const config = readConfig(process.env);
const registry = await scanModelDirs(config.modelDirs);
for (const problem of registry.problems) console.warn(`model package skipped: ${problem.dir}: ${problem.message}`);
const db = await openDatabase(databaseSettings(process.env));
const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const server = createApp({ registry, distDir: config.distDir, version, db }).listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`Phosphene ${version} on http://${config.host === '127.0.0.1' ? 'localhost' : config.host}:${port} (${registry.models.length} model packages)`);
});

function shutdown(signal: string): void {
  console.log(`${signal}: closing`);
  // Close the database before exiting so PGlite flushes and the DATA_DIR lock file is released.
  server.close(() => void db.close().finally(() => process.exit(0)));
  setTimeout(() => void db.close().finally(() => process.exit(0)), 5000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
