/** Pixel metrics of clips: PSNR (first-frame fidelity) and flicker (frame-to-frame change of the background). */
import type { Clip } from './background-match';

/** PSNR in dB of two same-size RGBA buffers over their RGB channels; `Infinity` when identical. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length % 4 !== 0)
    throw new RangeError(`psnr needs two RGBA buffers of one size, got ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  const mse = sum / ((a.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** The RGBA bytes of frame `f` of a clip (a view, not a copy). */
export function frameOf(clip: Clip, f: number): Uint8Array {
  const plane = clip.width * clip.height * 4;
  return clip.rgba.subarray(f * plane, (f + 1) * plane);
}

/**
 * Mean absolute change (0–255, over RGB) between consecutive frames, over the pixels where `exclude`
 * is 0 (the background: objects are meant to move, the background is not), or over all pixels.
 */
export function flicker(clip: Clip, exclude?: Uint8Array): number {
  const { rgba, width, height, numFrames } = clip;
  const pixels = width * height;
  if (numFrames < 2) return 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pixels; i++) {
    if (exclude && exclude[i] !== 0) continue;
    for (let f = 1; f < numFrames; f++) {
      const p = (f * pixels + i) * 4;
      const q = p - pixels * 4;
      sum +=
        Math.abs(rgba[p]! - rgba[q]!) + Math.abs(rgba[p + 1]! - rgba[q + 1]!) + Math.abs(rgba[p + 2]! - rgba[q + 2]!);
    }
    count += 3 * (numFrames - 1);
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Judder: how far the largest change between consecutive frames stands above the median one (mean absolute
 * RGB change, 0–255). Motion drawn evenly reads near 0; a clip that holds a picture for several frames and
 * then jumps (a tubelet VAE decoding each latent frame as one still) reads the size of its jumps.
 */
export function judder(clip: Clip): number {
  const { rgba, width, height, numFrames } = clip;
  const size = width * height * 4;
  const steps: number[] = [];
  for (let f = 1; f < numFrames; f++) {
    let sum = 0;
    for (let i = 0; i < size; i += 4) {
      const p = f * size + i;
      const q = p - size;
      sum +=
        Math.abs(rgba[p]! - rgba[q]!) + Math.abs(rgba[p + 1]! - rgba[q + 1]!) + Math.abs(rgba[p + 2]! - rgba[q + 2]!);
    }
    steps.push(sum / ((size / 4) * 3));
  }
  if (steps.length === 0) return 0;
  const sorted = [...steps].sort((a, b) => a - b);
  return sorted.at(-1)! - sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Grows a 0/1 mask by `radius` pixels (a square neighbourhood), so anti-aliased fringes count as covered. */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) rows[y * width + xx] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++) out[yy * width + x] = 1;
    }
  }
  return out;
}
