/**
 * The REST fallback for weak devices, as a person meets it: a Chromium without WebGPU opens the app
 * served by a real server (`server/index.ts`, its own process, PGlite, one inference worker), pastes an
 * API key in Settings, and `auto` sends the job to the server, with the reason and the price shown
 * before Generate; the clip lands in the gallery and the balance drops by the price.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import path from 'node:path';
import config from '../playwright.config';
import { startServerProcess, type ServerProcess } from '../tests/helpers/server-process';
import { fillForm } from './support/playground';
import { inspectMp4 } from './support/mp4';

const args = (config.use?.launchOptions?.args ?? []).filter((a) => a !== '--enable-unsafe-webgpu');
test.use({ launchOptions: { ...config.use?.launchOptions, args } });

let server: ServerProcess;
test.beforeAll(async () => {
  server = await startServerProcess({
    WORKERS: '1',
    DIST_DIR: path.resolve('dist'),
    MODEL_DIRS: [path.resolve('models'), path.resolve('tests/fixtures/models')].join(path.delimiter),
  });
});
test.afterAll(() => server?.stop());

test('without WebGPU, auto runs the job on the server once a key is set, priced before it is sent', async ({
  page,
}) => {
  await page.goto(`${server.url}/`);
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  await fillForm(page, { prompt: 'a red circle moving left on a navy background', seed: 11 });
  // Without a key, auto stays on this device and nothing is priced.
  await expect(page.getByTestId('run-on')).toHaveCount(0);

  const settings = page.getByTestId('server-settings');
  await settings.locator('summary').click();
  await settings.getByLabel('API key').fill('phk_wrong');
  await settings.getByRole('button', { name: 'Save and check' }).click();
  await expect(page.getByTestId('server-status')).toContainText('refused the API key');

  await settings.getByLabel('API key').fill(server.key);
  await settings.getByRole('button', { name: 'Save and check' }).click();
  await expect(page.getByTestId('server-status')).toContainText('1000 credits');

  const hint = page.getByTestId('run-on');
  await expect(hint).toHaveAttribute('data-where', 'server');
  await expect(hint).toContainText('no usable GPU here');
  const cost = Number((await page.getByTestId('run-on-cost').innerText()).replace(/ credits$/, ''));
  expect(cost).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('device-plan')).toHaveAttribute('data-where', 'server');
  await expect(page.getByTestId('job-cost')).toContainText(`Cost ${cost} credits`);
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await expect(page.locator('.player .facts')).toContainText('server');

  const mp4 = await page.evaluate(async () => {
    const href = document.querySelector<HTMLAnchorElement>('[data-testid=download]')!.href;
    return Array.from(new Uint8Array(await (await fetch(href)).arrayBuffer()));
  });
  expect(await inspectMp4(new Uint8Array(mp4))).toMatchObject({
    codec: 'avc',
    width: 256,
    height: 144,
    frameCount: 17,
  });

  // The key is remembered across a reload, and the balance reads the charge (the ledger's own figure).
  const account = (await (
    await fetch(`${server.url}/api/v1/account`, { headers: { 'X-API-Key': server.key } })
  ).json()) as {
    balance: number;
    balance_microcredits: number;
  };
  expect(account.balance_microcredits).toBe(1e9 - Math.round(cost * 1e6));
  await page.reload();
  await page.getByTestId('server-settings').locator('summary').click();
  await expect(page.getByTestId('server-status')).toContainText(`${account.balance} credits`);
  await expect(page.getByTestId('history-item')).toHaveCount(1);
});

/** A fresh browser profile with the app open and the key saved (which syncs the gallery). */
async function signedIn(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/`);
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  const settings = page.getByTestId('server-settings');
  await settings.locator('summary').click();
  await settings.getByLabel('API key').fill(server.key);
  await settings.getByRole('button', { name: 'Save and check' }).click();
  await expect(page.getByTestId('sync-status')).toContainText('Gallery synced');
  return page;
}

test('two browsers of one user see the same gallery: each one’s clips reach the other', async ({ browser }) => {
  const a = await signedIn(browser);
  const b = await signedIn(browser);
  // The server job of the test before is in both galleries.
  const count = await a.getByTestId('history-item').count();
  expect(count).toBeGreaterThan(0);
  await expect(b.getByTestId('history-item')).toHaveCount(count);

  // A clip made on B's own CPU goes up after it is made, and comes down to A on its next sync.
  await fillForm(b, { prompt: 'a green star moving up on a white background', device: 'wasm', seed: 5 });
  await b.getByRole('button', { name: 'Generate' }).click();
  await expect(b.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(b.getByTestId('sync-status')).toContainText('1 up');
  await a.getByRole('button', { name: 'Sync gallery' }).click();
  await expect(a.getByTestId('sync-status')).toContainText('1 down');
  await expect(a.getByTestId('history-item')).toHaveCount(count + 1);
  await a.getByTestId('history-item').filter({ hasText: 'a green star' }).getByTitle('Play').click();
  await expect(a.locator('.player .facts')).toContainText('elsewhere');
  await a.screenshot({ path: test.info().outputPath('synced-gallery.png'), fullPage: true });

  // Trimmed on B, the new clip reaches A with its recipe: A's gallery names the step.
  await b.getByTestId('edit-panel').locator('summary').click();
  await b.locator('select[name=edit_op]').selectOption('trim');
  await b.locator('[name=trim_start]').fill('1');
  await b.locator('[name=trim_end]').fill('5');
  await b.getByRole('button', { name: 'Apply as a new clip' }).click();
  await expect(b.getByTestId('history-item')).toHaveCount(count + 2, { timeout: 60_000 });
  const edited = a.getByTestId('history-item').filter({ hasText: 'edited: trim' });
  await expect(async () => {
    await a.getByRole('button', { name: 'Sync gallery' }).click();
    await expect(edited).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(edited).toContainText('a green star');

  // Deleted on A, it is deleted on the server and, at B's next sync, on B.
  const original = a.getByTestId('history-item').filter({ hasText: 'a green star' }).filter({ hasNotText: 'edited' });
  await original.getByTitle('Delete').click();
  await expect(a.getByTestId('history-item')).toHaveCount(count + 1);
  await expect(a.getByTestId('sync-status')).toContainText('1 deleted');
  await b.getByRole('button', { name: 'Sync gallery' }).click();
  await expect(b.getByTestId('sync-status')).toContainText('1 deleted');
  await expect(b.getByTestId('history-item')).toHaveCount(count + 1);
});

test('offline, a clip made here and a server job asked for wait in the browser; both go up when the network returns', async ({
  browser,
}) => {
  const page = await signedIn(browser);
  const before = await page.getByTestId('history-item').count();
  const local = async (prompt: string) => {
    await fillForm(page, { prompt, device: 'wasm', seed: 3 });
    await page.getByRole('button', { name: 'Generate' }).click();
  };
  // This profile never generated, and no service worker keeps the app here: offline, the generator's script
  // cannot load, and the job says so instead of running for ever.
  await page.context().setOffline(true);
  await local('a blue ring still on a white background');
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(page.getByTestId('job-error')).toContainText('The generator did not load (offline?)');
  // Online once (the generator and model load), then offline again: a clip is made here.
  await page.context().setOffline(false);
  await local('a blue ring still on a white background');
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('sync-status')).toContainText('1 up');
  await page.context().setOffline(true);
  await local('a blue ring growing on a white background');
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(before + 2);

  await fillForm(page, { prompt: 'a yellow square moving right on a black background', device: 'server', seed: 9 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'waiting');
  await expect(page.getByTestId('pending-item')).toHaveCount(1);
  await expect(page.getByTestId('pending-item')).toContainText('a yellow square');

  await page.context().setOffline(false); // the page's 'online' event sends the job, then syncs the gallery
  await expect(page.getByTestId('pending-item')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(before + 3);
  await expect(page.getByTestId('history-item').first()).toContainText('a yellow square');
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toContainText(/synced at .*: 1 up/);
  const history = await (
    await fetch(`${server.url}/api/v1/inference/history?page_size=100`, { headers: { 'X-API-Key': server.key } })
  ).text();
  expect(history).toContain('a blue ring growing on a white background');
  expect(history).toContain('a yellow square moving right on a black background');
});
