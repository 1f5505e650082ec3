/**
 * A fresh visitor's first click: no model in the URL, so the playground picks the server's default,
 * which must be the trained built-in model; it generates a playable MP4 on WASM at the smallest preset.
 */
import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { readRecipe } from '../src/pipeline/mp4-recipe';
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
  // Every live preview the page shows while the job runs: its step, and how red its reddest pixel is.
  await page.evaluate(() => {
    const seen: { step: number; total: string; redness: number }[] = [];
    (window as unknown as { previews: typeof seen }).previews = seen;
    new MutationObserver(() => {
      const figure = document.querySelector<HTMLElement>('[data-testid=live-preview]');
      const canvas = figure?.querySelector('canvas');
      const step = Number(figure?.dataset.step);
      if (!canvas || !step || seen.at(-1)?.step === step) return;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      // The most red pixel: how far its red stands above its green and blue.
      let redness = 0;
      for (let i = 0; i < data.length; i += 4)
        redness = Math.max(redness, data[i]! - (data[i + 1]! + data[i + 2]!) / 2);
      seen.push({ step, total: figure!.querySelector('figcaption')!.textContent!, redness });
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('live-preview')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('progress').screenshot({ path: test.info().outputPath('live-preview.png') });
  const video = page.getByTestId('result-video');
  await expect(video).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  // The device plan says where it ran and why not WebGPU (this Chromium has no adapter or a software one).
  await expect(page.getByTestId('device-plan')).toHaveAttribute('data-where', 'wasm');
  await expect(page.getByTestId('device-plan')).toContainText(
    /Running on WASM \(CPU\): this (browser has no WebGPU adapter|GPU is a software adapter)/,
  );
  // A preview after the denoising steps (the model's default is 4), in order; gone once the clip is there.
  const previews = await page.evaluate(
    () => (window as unknown as { previews: { step: number; total: string; redness: number }[] }).previews,
  );
  // (Each preview is its own worker message and render; a loaded machine could still merge two, so the
  // check is: increasing, ending at the last step, and more than one.)
  const steps = previews.map((p) => p.step);
  expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
  expect(steps.at(-1)).toBe(4);
  expect(steps.length).toBeGreaterThanOrEqual(2);
  expect(previews.at(-1)!.total).toBe('Preview after step 4 of 4');
  // A red circle: the last picture has a clearly red region (a grey or blue one scores near 0).
  expect(previews.at(-1)!.redness).toBeGreaterThan(80);
  await expect(page.getByTestId('live-preview')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const bytes = new Uint8Array(await readFile((await download.path())!));
  const mp4 = await inspectMp4(bytes);
  expect(mp4).toMatchObject({ width: 256, height: 144, frameCount: 17 });
  // The clip carries its recipe: the model, its weights and every parameter.
  expect(readRecipe(bytes)).toMatchObject({
    model: 'phosphene/v1/text-to-video',
    variant: 'q4',
    model_version: expect.stringMatching(/^[0-9a-f]{12}$/),
    params: { prompt: 'a red circle moving right on a black background', width: 256, height: 144, num_frames: 17 },
  });
});
