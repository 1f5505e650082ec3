/** `npm run bench`: runs each benchmark in its own process, one after another, so their memory and threads don't mix. */
import { spawnSync } from 'node:child_process';

const BENCHES = ['bench/pipeline.ts', 'bench/browser.ts'];
let failed = 0;
for (const file of BENCHES) {
  console.log(`\n▶ ${file}`);
  const { status } = spawnSync('npx', ['tsx', file], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
