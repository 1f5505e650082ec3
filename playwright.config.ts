/**
 * Playwright runs the e2e specs in Debian's Chromium (Playwright cannot download browsers here)
 * against the production build, served by the real server on a free port of 127.0.0.1.
 */
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A free port, chosen once: the config is evaluated again in each worker process, which inherits
 * this variable from the runner.
 */
function freePort(): number {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
process.env.PHOSPHENE_E2E_PORT ??= String(freePort());
const port = Number(process.env.PHOSPHENE_E2E_PORT);
/** A second origin for packages added from a URL (e2e/model-import.spec.ts): plain http, so it is in CONNECT_SRC. */
process.env.PHOSPHENE_E2E_MODEL_PORT ??= String(freePort());

/** Model folders for the e2e server: the built-in model and the test fixtures. */
const modelDirs = ['models', path.join('tests', 'fixtures', 'models')].join(path.delimiter);

export default defineConfig({
  testDir: 'e2e',
  // Two cores: one test at a time keeps timings steady and the WASM threads uncontended.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? 'list' : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    // The service worker would answer requests before `page.route` sees them; the PWA spec turns it back on.
    serviceWorkers: 'block',
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // See shared/NOTES.md: WebGPU needs --enable-unsafe-webgpu; the rest quiets a closed network.
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    // The production build, as users get it; E2E_SKIP_BUILD=1 reuses an existing dist/.
    command: process.env.E2E_SKIP_BUILD
      ? 'npx tsx server/index.ts'
      : 'npx vite build --logLevel warn && npx tsx server/index.ts',
    url: `http://127.0.0.1:${port}/health`,
    // Its own database folder, so a running `npm start` (which locks ./data) cannot block the tests.
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_DIRS: modelDirs,
      DATA_DIR: path.join(tmpdir(), `phosphene-e2e-${port}`),
      CONNECT_SRC: `http://127.0.0.1:${process.env.PHOSPHENE_E2E_MODEL_PORT}`,
    },
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
