/**
 * Every clip carries its recipe: a clip downloaded from the playground, given back through "Re-run a
 * clip…" on a fresh page, puts its model and every parameter in the form, and Generate makes the same
 * MP4 byte for byte (same browser, same WASM provider); dropping the clip on the page loads it too. A
 * file without a recipe is refused with a reason.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { readRecipe } from '../src/pipeline/mp4-recipe';
import { dropFile, fillForm, openPlayground } from './support/playground';

async function generateAndDownload(page: Page): Promise<{ path: string; bytes: Buffer }> {
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('result-video')).toBeVisible({ timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const path = (await download.path())!;
  return { path, bytes: await readFile(path) };
}

test('a downloaded clip re-runs from its recipe to the very same bytes', async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, {
    prompt: 'a blue square moving up',
    resolution: '128x72',
    frames: 9,
    steps: 3,
    guidance: 2,
    seed: 4242,
    device: 'wasm',
  });
  const first = await generateAndDownload(page);
  const recipe = readRecipe(new Uint8Array(first.bytes))!;
  expect(recipe.params).toMatchObject({ prompt: 'a blue square moving up', seed: 4242, guidance_scale: 2 });

  // A fresh page whose form holds other values.
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, { prompt: 'something else', seed: 1, device: 'wasm' });
  await page.locator('input[name=recipe]').setInputFiles(first.path);
  await expect(page.getByTestId('recipe-message')).toHaveAttribute('data-ok', 'true');
  await expect(page.locator('textarea[name=prompt]')).toHaveValue('a blue square moving up');
  await expect(page.locator('input[name=seed]')).toHaveValue('4242');
  await expect(page.locator('input[name=guidance_scale]')).toHaveValue('2');
  const again = await generateAndDownload(page);
  expect(Buffer.compare(again.bytes, first.bytes)).toBe(0);

  // Dropped anywhere on the page, the clip does the same.
  await openPlayground(page, 'model=phosphene-tiny');
  await dropFile(page.locator('main'), { name: 'dropped.mp4', type: 'video/mp4', bytes: first.bytes });
  await expect(page.getByTestId('recipe-message')).toContainText('Loaded the recipe of dropped.mp4 (seed 4242)');
  await expect(page.locator('textarea[name=prompt]')).toHaveValue('a blue square moving up');

  await page.locator('input[name=recipe]').setInputFiles({
    name: 'holiday.mp4',
    mimeType: 'video/mp4',
    buffer: Buffer.from('not a phosphene clip'),
  });
  await expect(page.getByTestId('recipe-message')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('recipe-message')).toContainText('holiday.mp4 carries no Phosphene recipe');
});

test('"Run again" on a gallery clip makes the very same bytes, after a reload and with the form changed', async ({
  page,
}) => {
  await openPlayground(page, 'model=phosphene-tiny');
  await fillForm(page, {
    prompt: 'a green star moving down',
    resolution: '64x64',
    frames: 9,
    seed: 77,
    device: 'wasm',
  });
  const first = await generateAndDownload(page);
  await page.reload();
  await fillForm(page, { prompt: 'something else', seed: 1, device: 'wasm' });
  const items = page.getByTestId('history-item');
  await expect(items).toHaveCount(1);
  await items.first().getByRole('button', { name: 'Run again' }).click();
  await expect(items).toHaveCount(2, { timeout: 120_000 });
  await expect(page.locator('textarea[name=prompt]')).toHaveValue('a green star moving down');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(Buffer.compare(await readFile((await download.path())!), first.bytes)).toBe(0);
});
