/**
 * `npm run bench`: runs each benchmark in its own process, one after another, so their memory and threads
 * don't mix. `npm run bench -- server` (or any names) runs only those, and their `-…` relatives (server-load).
 */
import { spawnSync } from 'node:child_process';

const ALL = [
  'bench/pipeline.ts',
  'bench/decoder.ts',
  'bench/preview.ts',
  'bench/browser.ts',
  'bench/engine.ts',
  'bench/server.ts',
  'bench/server-load.ts',
];
const named = process.argv.slice(2);
const BENCHES = named.length
  ? ALL.filter((file) => named.some((n) => file === `bench/${n}.ts` || file.startsWith(`bench/${n}-`)))
  : ALL;
if (named.length && BENCHES.length === 0)
  throw new Error(`No benchmark named ${named.join(', ')}; there are ${ALL.join(', ')}.`);
let failed = 0;
for (const file of BENCHES) {
  console.log(`\n▶ ${file}`);
  const { status } = spawnSync('npx', ['tsx', file], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
