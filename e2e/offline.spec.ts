/**
 * The PWA: after one visit (and one clip, which caches the model at run time), the playground loads
 * and generates with the network gone: app shell and ORT's wasm from the precache, the model list and
 * package from the runtime cache, the history from IndexedDB, ffmpeg.wasm (GIF export) from the cache its
 * first use filled. Then the settings: the device's probe and measured speed, the model kept for offline use.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { fillForm, openPlayground } from './support/playground';

test.use({ serviceWorkers: 'allow' });

/** Exports the shown clip as a GIF (ffmpeg.wasm in the worker) and checks it is one. */
async function exportGif(page: Page): Promise<void> {
  const panel = page.getByTestId('edit-panel');
  if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open))) await panel.locator('summary').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-gif').click()]);
  const gif = await readFile((await download.path())!);
  expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
}

test('the installed app works offline after the first visit', async ({ page, context }) => {
  test.setTimeout(180_000);
  await openPlayground(page, 'model=phosphene-tiny');
  // clientsClaim: the new service worker takes this page over once it has precached the shell.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
  expect(manifest).toMatchObject({ name: 'Phosphene', display: 'standalone' });

  await fillForm(page, { prompt: 'a green triangle drifting up', device: 'wasm', steps: 1 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await exportGif(page); // ffmpeg.wasm's first use: fetched, and kept for offline
  await expect
    .poll(() => page.evaluate(async () => (await (await caches.open('phosphene-ffmpeg')).keys()).length))
    .toBeGreaterThan(0);

  await expect.poll(() => page.evaluate(async () => Boolean(await caches.match('/api/v1/models')))).toBe(true);
  await context.setOffline(true);
  // The emulation reaches the service worker's own fetches: an uncached URL now fails.
  expect(
    await page.evaluate(() =>
      fetch('/health').then(
        () => 'online',
        () => 'offline',
      ),
    ),
  ).toBe('offline');

  await page.reload();
  await openPlayground(page, 'model=phosphene-tiny');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('history-item').filter({ hasText: 'a green triangle drifting up' })).toHaveCount(1);

  // Two steps: the second one's time is this device's measured speed (the first also compiles).
  await fillForm(page, { prompt: 'a pink ring still on a blue background', device: 'wasm', steps: 2 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('result-video')).toBeVisible();
  await exportGif(page); // ffmpeg.wasm from the cache, the network gone

  // Settings → This device: the probe, the model kept for offline use with its size, unload and delete.
  await page.getByTestId('device-panel').locator('summary').click();
  await expect(page.getByTestId('device-probe')).toContainText('CPU (WASM) threads');
  await expect(page.getByTestId('device-speed')).toHaveText(
    /^\d+\.\d\d s per denoising step at \d+×\d+, \d+ frames, on the CPU \(WASM\); the clip took \d+\.\d s \(/,
  );
  const kept = page.getByTestId('installed-models').locator('li').filter({ hasText: 'phosphene-tiny' });
  await expect(kept).toContainText(/\d+ files · \d+\.\d MB/);
  await page.getByRole('button', { name: 'Unload the model (free its memory)' }).click();
  await expect(page.getByTestId('device-message')).toContainText('released');
  await kept.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('device-message')).toContainText('phosphene-tiny was deleted');
  await expect(kept).toHaveCount(0);
});

test('a model downloaded from the settings runs offline before it was ever used', async ({ page, context }) => {
  test.setTimeout(120_000);
  await openPlayground(page, 'model=phosphene-tiny');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await expect.poll(() => page.evaluate(async () => Boolean(await caches.match('/api/v1/models')))).toBe(true);

  await page.getByTestId('device-panel').locator('summary').click();
  // Every state the progress bar shows while the files come in: the file, its bytes so far, the bar's value.
  await page.evaluate(() => {
    const seen: { text: string; value: number; max: number }[] = [];
    (window as unknown as { downloadSeen: typeof seen }).downloadSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector<HTMLProgressElement>('progress[aria-label^="Downloading"]');
      const text = document.querySelector('[data-testid=download-progress]')?.textContent ?? '';
      if (bar && seen.at(-1)?.text !== text) seen.push({ text, value: bar.value, max: bar.max });
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  // The catalog read its model.json (the service worker kept that), but not the files a job needs.
  await page.getByRole('button', { name: /^Download Phosphene tiny test for offline use \(\d+\.\d MB\)$/ }).click();
  await expect(page.getByTestId('device-message')).toHaveText(
    /^phosphene\/tiny-test\/text-to-video is kept for offline use: \d+ files, \d+\.\d MB\.$/,
  );
  await expect(page.getByTestId('installed-models').locator('li').filter({ hasText: 'phosphene-tiny' })).toHaveText(
    /phosphene-tiny · [3-9] files/,
  );
  await expect(page.getByRole('button', { name: /^Download Phosphene tiny test/ })).toHaveCount(0);
  const seen = await page.evaluate(
    () => (window as unknown as { downloadSeen: { text: string; value: number; max: number }[] }).downloadSeen,
  );
  // The bar follows each file in turn: more than one file named, each one's bytes climbing and never past
  // its size (a file's total comes from the manifest when the server sends no length).
  const files = new Map<string, typeof seen>();
  for (const s of seen) files.set(s.text.split(' ')[0]!, [...(files.get(s.text.split(' ')[0]!) ?? []), s]);
  expect(files.size, JSON.stringify(seen)).toBeGreaterThan(1);
  for (const states of files.values()) {
    const values = states.map((s) => s.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    for (const s of states) expect(s.value).toBeLessThanOrEqual(s.max);
  }

  await context.setOffline(true);
  await page.reload();
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, { prompt: 'a red square moving right', device: 'wasm', steps: 1 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('result-video')).toBeVisible();
});

test('a model the storage quota cannot hold is refused with the space it needs, and nothing is half kept', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const storage = navigator.storage as StorageManager & { asked?: boolean };
    const persist = storage.persist.bind(storage);
    storage.persist = () => ((storage.asked = true), persist());
  });
  await openPlayground(page, 'model=phosphene-tiny');
  // Chromium enforces this quota on writes, though its estimate() still reports the real one (so the
  // check before the download, unit-tested in tests/workers/model-install.test.ts, cannot see it here).
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 200_000 });

  await page.getByTestId('device-panel').locator('summary').click();
  await page.getByRole('button', { name: /^Download Phosphene tiny test for offline use/ }).click();
  await expect(page.getByTestId('device-message')).toHaveText(
    /was not downloaded: Not enough storage to keep .*phosphene-tiny\/ for offline use: it needs \d+\.\d MB, and the browser refused to store it: its storage for this app is full\. Delete kept models or clips/,
  );
  expect(await page.evaluate(() => (navigator.storage as StorageManager & { asked?: boolean }).asked)).toBe(true);
  await expect(page.getByTestId('installed-models')).toHaveCount(0); // the files stored before the refusal went too

  // With the quota back, the same button keeps it.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.getByRole('button', { name: /^Download Phosphene tiny test for offline use/ }).click();
  await expect(page.getByTestId('device-message')).toContainText('is kept for offline use');
});
