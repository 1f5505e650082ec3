/**
 * Settings → This device → "Add a model": a package from another origin (CORS permitting), from a folder
 * picked on this computer, or dropped. Every file is verified by sha256 before anything is kept; a kept
 * package is listed with its size, chosen in the model list, runs with its source gone (read from this
 * browser's storage), survives a reload and is deleted from the list.
 */
import { expect, test, type Page } from '@playwright/test';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fillForm, openPlayground } from './support/playground';

const TINY = path.join('tests', 'fixtures', 'models', 'phosphene-tiny');
const IMPORTED_ID = 'local:phosphene-tiny-test-text-to-video';

/**
 * Serves the tiny package on another origin: `/cors/…` lets any site read it, `/plain/…` sends no CORS header,
 * `/big/…` is `/cors/…` with a denoiser far larger than its model.json says (a server that never stops sending).
 */
async function otherOrigin(): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const [, mode, file] = /^\/(cors|plain|big)\/([\w.-]+)$/.exec(req.url ?? '') ?? [];
    if (!mode || !file) return void res.writeHead(404).end();
    readFile(path.join(TINY, file)).then(
      (bytes) => {
        const cors = mode === 'plain' ? {} : { 'access-control-allow-origin': '*' };
        const body =
          mode === 'big' && file === 'denoiser.onnx' ? Buffer.concat([bytes, Buffer.alloc(64 << 20)]) : bytes;
        res.writeHead(200, { 'content-length': body.length, 'cross-origin-resource-policy': 'cross-origin', ...cors });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  // The port playwright.config.ts put in the app server's CONNECT_SRC (plain http needs listing there).
  const port = Number(process.env.PHOSPHENE_E2E_MODEL_PORT);
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  // Stops by itself if the test forgets: it must not outlive the run.
  const timer = setTimeout(() => server.close(), 120_000).unref();
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => (
      clearTimeout(timer),
      new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok())))
    ),
  };
}

async function openDevicePanel(page: Page): Promise<void> {
  await page.getByTestId('device-panel').locator('summary').click();
  await expect(page.getByTestId('add-model')).toBeVisible();
}

const keptImported = (page: Page) =>
  page.evaluate(
    async () =>
      (await (await caches.open('phosphene-models')).keys()).filter((r) => r.url.includes('/local-models/')).length,
  );

test('a package on another origin is added, verified and kept, and runs with that origin gone', async ({ page }) => {
  test.setTimeout(120_000);
  const other = await otherOrigin();
  try {
    await openPlayground(page, 'model=phosphene-tiny');
    await openDevicePanel(page);
    const url = page.getByLabel('Package URL');
    const message = page.getByTestId('device-message');

    // No CORS header: the browser keeps the answer from the app, and the message says what to check.
    await url.fill(`${other.base}/plain/model.json`);
    await page.getByRole('button', { name: 'Add from URL' }).click();
    await expect(message).toContainText('The model was not added: Could not read');
    await expect(message).toContainText('Access-Control-Allow-Origin');
    expect(await keptImported(page)).toBe(0);

    // More bytes than the manifest lists: the read stops there, and nothing is kept.
    await url.fill(`${other.base}/big/model.json`);
    await page.getByRole('button', { name: 'Add from URL' }).click();
    await expect(message).toContainText(/The model was not added: .* denoiser\.onnx is larger than \d+ bytes/);
    expect(await keptImported(page)).toBe(0);

    await url.fill(`${other.base}/cors/model.json`);
    await page.getByRole('button', { name: 'Add from URL' }).click();
    await expect(message).toHaveText(
      /^Phosphene tiny test was added \(8 files, \d+\.\d MB\) and chosen: it runs in this browser, offline too\.$/,
    );
    await expect(page.locator('select[name=model]')).toHaveValue(IMPORTED_ID);
    await expect(page.locator('select[name=model] option:checked')).toHaveText(
      'Phosphene tiny test (random weights) (added here)',
    );
    const kept = page.getByTestId('installed-models').locator('li').filter({ hasText: '(added here)' });
    await expect(kept).toHaveText(/phosphene-tiny-test-text-to-video \(added here\) · 8 files · \d+\.\d MB/);
  } finally {
    await other.close();
  }

  // Its origin is gone: the job reads the package from this browser's storage.
  await fillForm(page, { prompt: 'a red circle moving right', device: 'wasm', steps: 1 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('result-video')).toBeVisible();

  // The server cannot run it: it has no copy.
  await fillForm(page, { device: 'server' });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByText('was added to this browser only, so the server cannot run it')).toBeVisible();

  // Kept across a reload (the catalog lists it from storage), then deleted.
  await page.reload();
  await openPlayground(page, `model=${IMPORTED_ID}`);
  await expect(page.locator('select[name=model]')).toHaveValue(IMPORTED_ID);
  await openDevicePanel(page);
  const kept = page.getByTestId('installed-models').locator('li').filter({ hasText: '(added here)' });
  await kept.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('device-message')).toHaveText(
    'phosphene-tiny-test-text-to-video was deleted from this browser.',
  );
  await expect(page.locator(`select[name=model] option[value="${IMPORTED_ID}"]`)).toHaveCount(0);
  expect(await keptImported(page)).toBe(0);
});

test('a package folder is added from the picker or dropped; a corrupt one is refused and nothing kept', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const dir = await mkdtemp(path.join(tmpdir(), 'phosphene-import-'));
  try {
    // Picked one level up from the package, as people do: the package is found by its model.json.
    const good = path.join(dir, 'downloads', 'tiny');
    const bad = path.join(dir, 'corrupt', 'tiny');
    for (const folder of [good, bad]) {
      await mkdir(folder, { recursive: true });
      for (const file of await readdir(TINY)) await copyFile(path.join(TINY, file), path.join(folder, file));
    }
    const onnx = await readFile(path.join(bad, 'denoiser.onnx'));
    onnx.writeUInt8(onnx.readUInt8(onnx.length - 1) ^ 0xff, onnx.length - 1); // same size, other bytes: only the digest tells
    await writeFile(path.join(bad, 'denoiser.onnx'), onnx);

    await openPlayground(page, 'model=phosphene-tiny');
    await openDevicePanel(page);
    const message = page.getByTestId('device-message');
    const picker = page.getByTestId('add-folder');

    await picker.setInputFiles(path.join(dir, 'corrupt'));
    await expect(message).toContainText('The model was not added: corrupt/tiny/ denoiser.onnx has sha256');
    expect(await keptImported(page)).toBe(0);
    await expect(page.locator(`select[name=model] option[value="${IMPORTED_ID}"]`)).toHaveCount(0);

    await picker.setInputFiles(path.join(dir, 'downloads'));
    await expect(message).toHaveText(/^Phosphene tiny test was added \(8 files, \d+\.\d MB\) and chosen/);
    await expect(page.locator('select[name=model]')).toHaveValue(IMPORTED_ID);
    expect(await keptImported(page)).toBe(8);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // Dropped loose files (a drop built in the page has no directory entries: the files themselves count).
  const kept = page.getByTestId('installed-models').locator('li').filter({ hasText: '(added here)' });
  await kept.getByRole('button', { name: 'Delete' }).click();
  await expect(kept).toHaveCount(0);
  const names = (await readdir(TINY)).filter((f) => !f.startsWith('.'));
  await page.evaluate(async (files) => {
    const data = new DataTransfer();
    for (const name of files) {
      const blob = await (await fetch(`/models/phosphene-tiny/${name}`)).blob();
      data.items.add(new File([blob], name));
    }
    const zone = document.querySelector('[data-testid=add-model]')!;
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, names);
  await expect(page.getByTestId('device-message')).toHaveText(/^Phosphene tiny test was added \(8 files/);
  await expect(kept).toHaveCount(1);
});
