/** The ffmpeg.wasm fallback (forced with `?encoder=ffmpeg.wasm`) makes a valid H.264 MP4 too. */
import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { inspectMp4 } from './support/mp4';
import { fillForm, openPlayground, tinyRequest } from './support/playground';

test('the forced ffmpeg.wasm encoder produces a valid MP4 from the UI', async ({ page }) => {
  await openPlayground(page, 'model=phosphene-tiny&encoder=ffmpeg.wasm');
  await fillForm(page, {
    prompt: 'a yellow star drifting up over a sunset gradient',
    resolution: '128x72',
    frames: 9,
    steps: 1,
    device: 'wasm',
  });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('result-video')).toBeVisible({ timeout: 90_000 });
  await expect(page.locator('.player .facts')).toContainText('ffmpeg.wasm');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const mp4 = await inspectMp4(new Uint8Array(await readFile((await download.path())!)));
  expect(mp4).toMatchObject({ codec: 'avc', width: 128, height: 72, frameCount: 9 });
  await expect
    .poll(() => page.getByTestId('result-video').evaluate((v: HTMLVideoElement) => v.readyState))
    .toBeGreaterThanOrEqual(2);
});

test('WebCodecs and ffmpeg.wasm encode the same frames to equivalent MP4s', async ({ page }, testInfo) => {
  await openPlayground(page, 'model=phosphene-tiny&debug');
  const clips: Record<string, { encodeMs: number[]; bytes: number }> = {};
  let n = 0;
  // Each encoder twice: the first run pays for loading it (ffmpeg.wasm fetches and compiles 31 MB).
  for (const encoder of ['webcodecs', 'ffmpeg.wasm', 'webcodecs', 'ffmpeg.wasm'] as const) {
    const request = tinyRequest(`enc-${n++}`, 'wasm', {
      width: 128,
      height: 72,
      num_frames: 17,
      num_inference_steps: 1,
    });
    const clip = await page.evaluate(([r, e]) => window.phosphene!.generate(r, e), [request, encoder] as const);
    expect(clip.encoder).toBe(encoder);
    const bytes = Buffer.from(clip.mp4Base64, 'base64');
    expect(await inspectMp4(bytes)).toMatchObject({ codec: 'avc', width: 128, height: 72, frameCount: 17 });
    clips[encoder] = {
      encodeMs: [...(clips[encoder]?.encodeMs ?? []), Math.round(clip.encodeMs)],
      bytes: bytes.length,
    };
  }
  testInfo.annotations.push({ type: 'encode 128×72×17', description: JSON.stringify(clips) });
  console.log(`encode 128×72×17: ${JSON.stringify(clips)}`);
});
