/**
 * Fits a conditioning image to a job's frame size without the DOM (the same code runs in a worker and
 * in Node): "cover" (scale to fill, centre-crop the overflow, never stretch) with a separable
 * triangle filter whose support widens with the downscale factor, as Pillow's antialiased BILINEAR
 * resize does (https://pillow.readthedocs.io/en/stable/handbook/concepts.html#filters), so a large
 * photo is area-averaged rather than aliased.
 */
import type { ConditioningImage } from '../shared/protocol';

/** The source rectangle that "cover" keeps: centred, with the target's aspect ratio. */
export function coverBox(
  srcWidth: number,
  srcHeight: number,
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } {
  const scale = Math.max(width / srcWidth, height / srcHeight);
  const boxWidth = Math.min(srcWidth, width / scale);
  const boxHeight = Math.min(srcHeight, height / scale);
  return { x: (srcWidth - boxWidth) / 2, y: (srcHeight - boxHeight) / 2, width: boxWidth, height: boxHeight };
}

/** Taps of one output sample along one axis: the first source index and normalised weights. */
interface Taps {
  start: number;
  weights: Float32Array;
}

/** Triangle-filter taps mapping `[offset, offset + span)` of `srcSize` samples onto `outSize` samples. */
function axisTaps(srcSize: number, offset: number, span: number, outSize: number): Taps[] {
  const step = span / outSize;
  const support = Math.max(1, step); // widen the filter when shrinking: area averaging
  return Array.from({ length: outSize }, (_, i) => {
    const centre = offset + (i + 0.5) * step;
    const start = Math.max(0, Math.floor(centre - support));
    const end = Math.min(srcSize, Math.ceil(centre + support));
    const weights = new Float32Array(end - start);
    let total = 0;
    for (let j = start; j < end; j++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
      weights[j - start] = w;
      total += w;
    }
    // Taps outside the image are dropped and the rest renormalised, which replicates the edge.
    // (The centre lies inside the image and support ≥ 1, so the nearest sample always has weight.)
    for (let k = 0; k < weights.length; k++) weights[k]! /= total;
    return { start, weights };
  });
}

/** Resizes `image` to `width×height` with a centred cover crop; alpha is carried through like the colours. */
export function resizeCover(image: ConditioningImage, width: number, height: number): ConditioningImage {
  const { rgba, width: sw, height: sh } = image;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new RangeError(`cannot resize to ${width}×${height}`);
  if (rgba.length !== sw * sh * 4) throw new RangeError(`an image of ${sw}×${sh} needs ${sw * sh * 4} bytes`);
  if (sw === width && sh === height) return { rgba: rgba.slice(), width, height };
  const box = coverBox(sw, sh, width, height);
  const xTaps = axisTaps(sw, box.x, box.width, width);
  const yTaps = axisTaps(sh, box.y, box.height, height);

  // Horizontal pass into floats (source rows × output columns), then the vertical pass into bytes.
  const rows = new Float32Array(sh * width * 4);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = xTaps[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0, i = (y * sw + start) * 4; k < weights.length; k++, i += 4) {
        const w = weights[k]!;
        r += w * rgba[i]!;
        g += w * rgba[i + 1]!;
        b += w * rgba[i + 2]!;
        a += w * rgba[i + 3]!;
      }
      const o = (y * width + x) * 4;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
      rows[o + 3] = a;
    }
  }
  const out = new Uint8Array(width * height * 4);
  const clamped = new Uint8ClampedArray(out.buffer); // rounds and clamps on store
  for (let y = 0; y < height; y++) {
    const { start, weights } = yTaps[y]!;
    for (let x = 0; x < width * 4; x++) {
      let v = 0;
      for (let k = 0; k < weights.length; k++) v += weights[k]! * rows[(start + k) * width * 4 + x]!;
      clamped[y * width * 4 + x] = v;
    }
  }
  return { rgba: out, width, height };
}
