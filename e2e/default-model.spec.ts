/**
 * A fresh visitor's first click: no model in the URL, so the playground picks the server's default,
 * which must be the trained built-in model; it generates a playable MP4 on WASM at the smallest preset.
 */
import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { inspectMp4 } from './support/mp4';
import { fillForm, openPlayground } from './support/playground';

test('the default model is the trained phosphene-v1 and its first clip plays', async ({ page }) => {
  await openPlayground(page);
  await expect(page.locator('select[name=model]')).toHaveValue('phosphene/v1/text-to-video');
  await fillForm(page, {
    prompt: 'a red circle moving right on a black background',
    resolution: '256x144',
    frames: 17,
    device: 'wasm',
  });
  await page.getByRole('button', { name: 'Generate' }).click();
  const video = page.getByTestId('result-video');
  await expect(video).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const mp4 = await inspectMp4(new Uint8Array(await readFile((await download.path())!)));
  expect(mp4).toMatchObject({ width: 256, height: 144, frameCount: 17 });
});
