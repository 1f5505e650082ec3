/** Reads what the player shows, as the specs check decoded pixels. */
import { expect, type Locator } from '@playwright/test';

/** One decoded frame: RGBA bytes, row by row. */
export interface FramePixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The player's frame at `at` seconds (`'end'`: the last frame), drawn on a canvas after a seek and the
 * frame it presents. Always a seek (to the same time too): the frame drawn is then the one at `currentTime`.
 */
export async function framePixels(video: Locator, at: number | 'end'): Promise<FramePixels> {
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  const { width, height, b64 } = await video.evaluate(async (v: HTMLVideoElement, at) => {
    v.pause();
    const seeked = new Promise((done) => v.addEventListener('seeked', done, { once: true }));
    // `seeked` can come before the frame at the new time is on screen (a loaded machine then drew the one
    // before it): wait for the frame callback too, or a second at most where no new frame is presented.
    const presented = new Promise((done) => {
      v.requestVideoFrameCallback(done);
      setTimeout(done, 1000);
    });
    v.currentTime = at === 'end' ? Math.max(0, v.duration - 0.03) : at;
    await seeked;
    await presented;
    const [w, h] = [v.videoWidth, v.videoHeight];
    const g = Object.assign(document.createElement('canvas'), { width: w, height: h }).getContext('2d')!;
    g.drawImage(v, 0, 0);
    const data = g.getImageData(0, 0, w, h).data;
    // Base64 in chunks: one spread of megabytes would overflow the call stack.
    let text = '';
    for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: w, height: h, b64: btoa(text) };
  }, at);
  return { width, height, data: new Uint8Array(Buffer.from(b64, 'base64')) };
}

/** How many pixels of `f` inside the rectangle pass `test(r, g, b)`. */
export function countPixels(
  f: FramePixels,
  test: (r: number, g: number, b: number) => boolean,
  box = { x: 0, y: 0, width: f.width, height: f.height },
): number {
  let n = 0;
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * f.width + x) * 4;
      if (test(f.data[i]!, f.data[i + 1]!, f.data[i + 2]!)) n++;
    }
  return n;
}
