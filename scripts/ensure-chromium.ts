/**
 * Makes sure a Chromium for the e2e tests exists. Playwright cannot download browsers here, so we
 * use Debian's `chromium`: found on the PATH, installed with apt when running as root, otherwise we
 * say exactly what to install and stop.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/** The first Chromium binary that exists, if any. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p): p is string => Boolean(p) && existsSync(p!));
}

function install(): void {
  console.log('Chromium not found: installing Debian chromium with apt-get (running as root)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}

let found = findChromium();
if (!found) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      'The e2e tests need Chromium and none was found.\n' +
        'Install it with:  sudo apt-get install -y chromium\n' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary, then run the tests again.',
    );
    process.exit(1);
  }
  install();
  found = findChromium();
  if (!found) {
    console.error('apt-get finished but no chromium binary appeared at /usr/bin/chromium; install it by hand.');
    process.exit(1);
  }
}
const version = spawnSync(found, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`e2e browser: ${found} (${version || 'version unknown'})`);
