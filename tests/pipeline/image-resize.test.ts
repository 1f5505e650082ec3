import { describe, expect, it } from 'vitest';
import { coverBox, resizeCover } from '../../src/pipeline/image-resize';
import type { ConditioningImage } from '../../src/shared/protocol';

/** An image whose pixel (x, y) is `colour(x, y)` with alpha 255. */
function imageOf(width: number, height: number, colour: (x: number, y: number) => number[]): ConditioningImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgba.set([...colour(x, y), 255], (y * width + x) * 4);
  return { rgba, width, height };
}
const reds = (image: ConditioningImage) => Array.from(image.rgba.filter((_, i) => i % 4 === 0));

describe('coverBox', () => {
  it('keeps the centred part with the target aspect ratio', () => {
    expect(coverBox(1920, 1080, 64, 64)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(coverBox(1080, 1920, 1280, 720)).toEqual({ x: 0, y: 656.25, width: 1080, height: 607.5 });
    expect(coverBox(100, 50, 200, 100)).toEqual({ x: 0, y: 0, width: 100, height: 50 });
  });
});

describe('resizeCover', () => {
  it('copies an image of the target size', () => {
    const image = imageOf(3, 2, (x, y) => [x * 10, y * 10, 7]);
    const out = resizeCover(image, 3, 2);
    expect(out.rgba).toEqual(image.rgba);
    expect(out.rgba).not.toBe(image.rgba);
  });

  it('averages the area when shrinking (golden: 2×2 → 1×1 is the mean)', () => {
    const image = imageOf(2, 2, (x, y) => [40 * (x + 2 * y), 200, 10 * x]);
    expect(Array.from(resizeCover(image, 1, 1).rgba)).toEqual([60, 200, 5, 255]);
  });

  it('interpolates linearly when enlarging (golden: [0, 200] → [0, 50, 150, 200])', () => {
    const image = imageOf(2, 1, (x) => [200 * x, 0, 0]);
    // 2×1 → 4×4 with cover: the height scales ×4 too, so the columns are the interpolation.
    const out = resizeCover(image, 4, 1);
    expect(reds(out)).toEqual([0, 50, 150, 200]);
  });

  it('crops a wide image to its centre columns and a tall one to its centre rows', () => {
    const wide = imageOf(4, 2, (x) => [x * 50, 0, 0]);
    expect(reds(resizeCover(wide, 2, 2))).toEqual([50, 100, 50, 100]);
    const tall = imageOf(2, 6, (_, y) => [y * 40, 0, 0]);
    expect(reds(resizeCover(tall, 2, 2))).toEqual([80, 80, 120, 120]);
  });

  it('never stretches: a 16:9 image fitted to a square keeps circles round (the centre crop is 1:1)', () => {
    // A disc of radius 20 at the centre of 160×90: after the cover crop to 45×45 it must stay a disc
    // (equal extent across and down), where a stretch to 45×45 would squash it to 11 px across.
    const disc = imageOf(160, 90, (x, y) =>
      (x + 0.5 - 80) ** 2 + (y + 0.5 - 45) ** 2 < 400 ? [255, 255, 255] : [0, 0, 0],
    );
    const out = resizeCover(disc, 45, 45);
    const row = reds(out).slice(22 * 45, 23 * 45);
    const column = reds(out).filter((_, i) => i % 45 === 22);
    const extent = (line: number[]) => line.filter((v) => v > 127).length;
    expect(extent(row)).toBe(extent(column));
    expect(extent(row)).toBeGreaterThanOrEqual(19);
  });

  it('keeps a constant image constant at any scale (weights sum to one, edges replicated)', () => {
    const flat = imageOf(37, 23, () => [12, 130, 251]);
    for (const [w, h] of [
      [64, 64],
      [5, 3],
      [854, 480],
    ] as const) {
      const out = resizeCover(flat, w, h);
      expect(new Set(reds(out))).toEqual(new Set([12]));
      expect(out.rgba.subarray(0, 4)).toEqual(new Uint8Array([12, 130, 251, 255]));
    }
  });

  it('refuses a buffer of the wrong length or a bad target size', () => {
    expect(() => resizeCover({ rgba: new Uint8Array(5), width: 2, height: 1 }, 4, 4)).toThrow(/needs 8 bytes/);
    expect(() =>
      resizeCover(
        imageOf(2, 2, () => [0, 0, 0]),
        0,
        4,
      ),
    ).toThrow(RangeError);
  });
});
