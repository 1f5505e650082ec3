/**
 * A Chromium without WebGPU (launched without --enable-unsafe-webgpu, so no adapter in the page or
 * the worker): a forced WebGPU job is refused by the worker itself, and `auto` falls back to WASM.
 */
import { expect, test } from '@playwright/test';
import config from '../playwright.config';
import { openPlayground, tinyRequest } from './support/playground';

const args = (config.use?.launchOptions?.args ?? []).filter((a) => a !== '--enable-unsafe-webgpu');
test.use({ launchOptions: { ...config.use?.launchOptions, args } });

test('the worker refuses forced WebGPU and auto falls back to WASM', async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny&debug');
  const env = await page.evaluate(() => window.phosphene!.environment());
  expect(env.webgpu.available).toBe(false);

  const forced = await page.evaluate(
    (r) =>
      window.phosphene!.frames(r).then(
        () => 'resolved',
        (e: Error) => `${e.name}: ${e.message}`,
      ),
    tinyRequest('forced', 'webgpu'),
  );
  expect(forced).toMatch(/^WebGpuUnavailableError: .*WASM/);

  const auto = await page.evaluate(
    (r) => window.phosphene!.frames(r).then((f) => f.device),
    tinyRequest('auto', 'auto'),
  );
  expect(auto).toBe('wasm');
});
