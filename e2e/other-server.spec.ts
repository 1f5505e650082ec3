/**
 * A playground served from one origin using a Phosphene server on another (its settings' Server URL): the
 * page's server lists the other in CONNECT_SRC (the CSP's connect-src) and the other lists the page's origin
 * in CORS_ORIGINS. One real server process plays both, under two names: the page at http://127.0.0.1:P,
 * the API at http://localhost:P (another origin to the browser).
 */
import { expect, test } from '@playwright/test';
import { createServer } from 'node:net';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from '../tests/helpers/server-process';
import { fillForm } from './support/playground';

let server: ServerProcess;
let port = 0;
test.beforeAll(async () => {
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  server = await startServerProcess({
    PORT: String(port),
    WORKERS: '1',
    DIST_DIR: path.resolve('dist'),
    MODEL_DIRS: path.resolve('tests/fixtures/models'),
    CORS_ORIGINS: `http://127.0.0.1:${port}`,
    CONNECT_SRC: `http://localhost:${port}`,
  });
});
test.afterAll(() => server?.stop());

test('the settings name a server on another origin, a job runs there, and its API keys are managed from here', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto(`http://127.0.0.1:${port}/?model=phosphene-tiny`);
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  const settings = page.getByTestId('server-settings');
  await settings.locator('summary').click();

  // An origin neither side allows: the browser blocks it, and the message says what to configure.
  await settings.getByLabel('Server URL').fill('http://localhost:9');
  await settings.getByLabel('API key').fill(server.key);
  await settings.getByRole('button', { name: 'Save and check' }).click();
  await expect(page.getByTestId('server-status')).toContainText(
    `must list http://127.0.0.1:${port} in its CORS_ORIGINS, and this page's server must list http://localhost:9 in its CONNECT_SRC`,
  );

  await settings.getByLabel('Server URL').fill(`http://localhost:${port}/`);
  await settings.getByRole('button', { name: 'Save and check' }).click();
  await expect(page.getByTestId('server-status')).toContainText('1000 credits');
  await expect(settings).toContainText(`the server at http://localhost:${port}`);

  await fillForm(page, { prompt: 'a red circle moving left on a navy background', device: 'server', steps: 2 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await expect(page.locator('.player .facts')).toContainText('server');

  // API keys: make one (its secret shown once), see it listed, revoke it.
  await settings.getByLabel("New key's name").fill('laptop');
  await settings.getByRole('button', { name: 'Create key' }).click();
  await expect(settings.getByLabel('The new key')).toHaveValue(/^phk_/);
  const laptop = settings.getByTestId('api-keys').locator('li').filter({ hasText: 'laptop' });
  await expect(laptop).toContainText('made ');
  await expect(settings.getByTestId('api-keys').locator('li').filter({ hasText: '(this browser)' })).toHaveCount(1);
  await laptop.getByRole('button', { name: 'Revoke laptop' }).click();
  await expect(laptop).toContainText('revoked');

  // The URL is remembered across a reload.
  await page.reload();
  await page.getByTestId('server-settings').locator('summary').click();
  await expect(page.getByTestId('server-settings').getByLabel('Server URL')).toHaveValue(`http://localhost:${port}`);
});
