/**
 * A LoRA in the browser: the example pair (every object pink) picked from disk in the form, applied by the
 * worker on WASM, against the same seed without it. The frames are read back from the player.
 */
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { fillForm, openPlayground } from './support/playground';

const LORA = path.resolve('models/phosphene-v1-lora-pink');

/** Generates, waits for the clip, and returns how blue its bright pixels are against their red (pink ≫ red). */
async function generateAndReadBlueness(page: Page): Promise<number> {
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  const video = page.getByTestId('result-video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  return video.evaluate(async (v: HTMLVideoElement) => {
    v.pause();
    v.currentTime = 0.25;
    await new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(v, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let red = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) < 100) continue; // the black background
      red += data[i]!;
      blue += data[i + 2]!;
    }
    return red > 0 ? blue / red : 0;
  });
}

test('a LoRA pair picked from disk is applied in the browser, and the clip records it', async ({ page }) => {
  test.setTimeout(300_000);
  await openPlayground(page, 'model=phosphene-v1');
  await fillForm(page, {
    prompt: 'a red circle moving left on a black background',
    resolution: '256x144',
    frames: 9,
    seed: 9,
    device: 'wasm',
  });
  const plain = await generateAndReadBlueness(page);

  await page.locator('details.lora summary').click();
  await page.locator('select[name=lora_source]').selectOption('files');
  // Both files are needed: one alone is refused with a message, before anything runs.
  await page.locator('input[name=lora_high_noise]').setInputFiles(path.join(LORA, 'high_noise.safetensors'));
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.locator('.field-error[data-field=lora]')).toContainText('Pick both files of the LoRA');
  await page.locator('input[name=lora_low_noise]').setInputFiles(path.join(LORA, 'low_noise.safetensors'));
  await page.locator('input[name=lora_scale]').fill('3');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.locator('.field-error[data-field=lora_scale]')).toContainText('from 0.0 to 2.0');
  await page.locator('input[name=lora_scale]').fill('1');
  const pink = await generateAndReadBlueness(page);

  console.log(`blue/red of the bright pixels: without the LoRA ${plain.toFixed(2)}, with it ${pink.toFixed(2)}`);
  // A red circle has little blue, the pink LoRA's objects a lot: the world's red reads 0.24 and its pink 0.71, so
  // below their midpoint the clip is red. Edges add some (the thirteenth export's red circle read 0.35: a faint
  // violet rim on black).
  expect(plain).toBeLessThan(0.47);
  expect(pink - plain).toBeGreaterThan(0.25);
  await expect(page.getByTestId('result-video').locator('xpath=..')).toContainText('LoRA LoRA from disk × 1');
  await page.getByTestId('result-video').screenshot({ path: test.info().outputPath('pink.png') });
});
