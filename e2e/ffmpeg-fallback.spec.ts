/**
 * The ffmpeg.wasm fallback (forced with `?encoder=ffmpeg.wasm`) makes a valid H.264 MP4 too, and the two
 * encoders' MP4s decode to the pipeline's own frames within H.264's loss.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { framePixels, type FramePixels } from './support/frames';
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
  const mp4s: Record<string, string> = {};
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
    mp4s[encoder] = clip.mp4Base64;
  }
  testInfo.annotations.push({ type: 'encode 128×72×17', description: JSON.stringify(clips) });
  console.log(`encode 128×72×17: ${JSON.stringify(clips)}`);

  // The frames both encoders were given (the same request and seed), then each MP4 decoded by the browser.
  const request = tinyRequest('enc-raw', 'wasm', { width: 128, height: 72, num_frames: 17, num_inference_steps: 1 });
  const raw = await page.evaluate(async (r) => {
    const { rgba } = (await window.phosphene!.frames(r)).frames;
    let text = '';
    for (let i = 0; i < rgba.length; i += 0x8000) text += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
    return btoa(text);
  }, request);
  const source = new Uint8Array(Buffer.from(raw, 'base64'));
  const frameBytes = 128 * 72 * 4;
  const psnr: Record<string, number[]> = {};
  const decoded: Record<string, FramePixels[]> = {};
  for (const [encoder, mp4] of Object.entries(mp4s)) {
    const video = await showMp4(page, encoder, mp4);
    for (const n of [0, 8, 16]) {
      const frame = await framePixels(video, n === 16 ? 'end' : (n + 0.5) / request.params.frames_per_second);
      (decoded[encoder] ??= []).push(frame);
      const db = psnrOf(frame, source.subarray(n * frameBytes, (n + 1) * frameBytes));
      (psnr[encoder] ??= []).push(Math.round(db * 10) / 10);
    }
  }
  const between = decoded.webcodecs!.map((f, i) => Math.round(psnrOf(f, decoded['ffmpeg.wasm']![i]!.data) * 10) / 10);
  const facts = JSON.stringify({ againstSource: psnr, between });
  console.log(`PSNR dB at frames 0/8/16: ${facts}`);
  // The tiny model's frames are noise-like texture, which H.264 keeps at ~17 dB at this size: a floor of 14 dB
  // still fails a wrong frame (the neighbouring frame reads ~8 dB). Equivalent: the same quality from both.
  for (const [i, web] of psnr.webcodecs!.entries()) {
    expect(web, facts).toBeGreaterThan(14);
    expect(Math.abs(web - psnr['ffmpeg.wasm']![i]!), facts).toBeLessThan(3); // measured: within 1.8
    expect(between[i], facts).toBeGreaterThan(14);
  }
});

/** A <video> of `mp4Base64` in the page, to read frames from as the player's are. */
async function showMp4(page: Page, id: string, mp4Base64: string) {
  await page.evaluate(
    ([id, b64]) => {
      const video = Object.assign(document.createElement('video'), { muted: true, preload: 'auto' });
      video.dataset.testid = `decoded-${id}`;
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      video.src = URL.createObjectURL(new Blob([bytes], { type: 'video/mp4' }));
      document.body.append(video);
    },
    [id, mp4Base64] as const,
  );
  return page.getByTestId(`decoded-${id}`);
}

/** PSNR (dB) of the RGB channels of `decoded` against `expected` (RGBA bytes of the same size). */
function psnrOf(decoded: FramePixels, expected: Uint8Array): number {
  expect(decoded.data.length).toBe(expected.length);
  let sum = 0;
  for (let i = 0; i < expected.length; i += 4)
    for (let c = 0; c < 3; c++) sum += (decoded.data[i + c]! - expected[i + c]!) ** 2;
  const mse = sum / ((expected.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
