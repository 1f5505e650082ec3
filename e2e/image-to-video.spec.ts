/**
 * Image to video from the form: pick a PNG, see its thumbnail, generate on the tiny fixture (WASM,
 * 64×64×5, one step) and get a playable H.264 MP4; a file that is not an image gets a clear message.
 */
import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { png } from '../tests/helpers/images';
import { inspectMp4 } from './support/mp4';
import { dropFile, fillForm, openPlayground, tinyRequest } from './support/playground';

test.beforeEach(async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny&debug');
  await fillForm(page, {
    prompt: 'a red circle moving right on a black background',
    resolution: '64x64',
    frames: 5,
    steps: 1,
    guidance: 1,
    seed: 11,
    device: 'wasm',
  });
});

test('a dropped-in PNG starts a playable MP4', async ({ page }) => {
  // The tiny model lists image-to-video but not first-last-frame: only the start control shows.
  await expect(page.getByTestId('last_image-picker')).toHaveCount(0);
  // Dropped on its picker, as a person drags a file from their desktop (the file input is tested below).
  await dropFile(page.getByTestId('image-picker'), { name: 'start.png', type: 'image/png', bytes: png(96, 80) });
  const preview = page.getByTestId('image-preview');
  await expect(preview).toBeVisible();
  // The <img> is shown before it has decoded its blob (naturalWidth 0 until then), so its size is polled.
  await expect(page.getByTestId('image-picker')).toContainText('start.png · 96×80');
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);

  await page.getByRole('button', { name: 'Generate' }).click();
  const video = page.getByTestId('result-video');
  await expect(video).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('job-error')).toHaveCount(0);
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(2);
  expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([64, 64]);

  const downloadMp4 = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    return new Uint8Array(await readFile((await download.path())!));
  };
  const withImage = await downloadMp4();
  expect(await inspectMp4(withImage)).toMatchObject({ codec: 'avc', width: 64, height: 64, frameCount: 5 });

  // The image stays for the next job (the worker got a transferred copy) until it is removed; the
  // same seed without it gives another clip, so the image did reach the pipeline.
  await expect(preview).toBeVisible();
  await page.getByRole('button', { name: 'Remove start from an image' }).click();
  await expect(preview).toHaveCount(0);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  expect(Buffer.from(await downloadMp4()).equals(Buffer.from(withImage))).toBe(false);

  // The image is kept with its clip: "use these settings" on that clip puts it back, on the other clears it.
  const items = page.getByTestId('history-item');
  await expect(items).toHaveCount(2);
  await items.nth(1).getByTitle('Use these settings').click();
  await expect(preview).toBeVisible();
  await expect(page.getByTestId('image-picker')).toContainText('96×80');
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96);
  await items.nth(0).getByTitle('Use these settings').click();
  await expect(preview).toHaveCount(0);
});

test('the worker checks images that bypass the form', async ({ page }) => {
  const outcome = (image: { rgba: number[]; width: number; height: number }) =>
    page.evaluate(
      ([request, img]) =>
        window.phosphene!.frames({ ...request, image: { ...img, rgba: Uint8Array.from(img.rgba) } }).then(
          (r) => `resolved ${r.latentDims.join('×')}`,
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      [tinyRequest('img-a', 'wasm', { num_inference_steps: 1 }), image] as const,
    );
  expect(await outcome({ rgba: [1, 2, 3], width: 2, height: 2 })).toMatch(/^InvalidParamsError: .*image\.rgba/);
  expect(await outcome({ rgba: [], width: 5000, height: 0 })).toMatch(/^InvalidParamsError: .*image\.width/);
  expect(await outcome({ rgba: Array.from({ length: 16 }, () => 200), width: 2, height: 2 })).toBe(
    'resolved 1×4×2×8×8',
  );
});

test('a file that is not an image says so and sets no image', async ({ page }) => {
  await page
    .locator('input[name=image]')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await expect(page.locator('[data-field=image]')).toContainText(
    'notes.txt cannot be used: This file is not an image the browser can decode (text/plain)',
  );
  await expect(page.getByTestId('image-preview')).toHaveCount(0);
  // A real picture afterwards replaces the message with a thumbnail.
  await page.locator('input[name=image]').setInputFiles({ name: 'ok.png', mimeType: 'image/png', buffer: png(8, 8) });
  await expect(page.getByTestId('image-preview')).toBeVisible();
  await expect(page.locator('[data-field=image]')).toHaveCount(0);
});
