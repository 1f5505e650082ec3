/**
 * The evaluator's view of the background. Objects never enter the border band (3 % of the short side,
 * see `render.ts`), so the band shows the background alone: its signature names the background, and a
 * per-frame model of it tells each pixel's distance from "background".
 */
import { backgroundImage } from './backgrounds';
import { BACKGROUND_NAMES, rgbOf, WORLD, type Rgb } from './world';

/** RGBA frames, frame after frame, row-major (the shape of the pipeline's `RawFrames`). */
export interface Clip {
  rgba: Uint8Array;
  width: number;
  height: number;
  numFrames: number;
}

/** Width in pixels of the border band the evaluator reads the background from. */
export const bandWidth = (width: number, height: number): number =>
  Math.max(2, Math.round(0.03 * Math.min(width, height)));

const inBand = (x: number, y: number, w: number, h: number, b: number) => x < b || y < b || x >= w - b || y >= h - b;

/**
 * A background signature from an RGB(A) image: mean colour of the top, bottom, left and right bands
 * (gradients differ there), the band's colour spread and its mean neighbour difference (textures).
 */
function signature(pixel: (x: number, y: number, c: number) => number, w: number, h: number): number[] {
  const b = bandWidth(w, h);
  const sums = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  const all = [0, 0, 0];
  const sq = [0, 0, 0];
  let n = 0;
  let energy = 0;
  let pairs = 0;
  const add = (side: number, x: number, y: number) => {
    const s = sums[side]!;
    for (let c = 0; c < 3; c++) s[c]! += pixel(x, y, c);
    s[3]!++;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inBand(x, y, w, h, b)) continue;
      if (y < b) add(0, x, y);
      if (y >= h - b) add(1, x, y);
      if (x < b) add(2, x, y);
      if (x >= w - b) add(3, x, y);
      for (let c = 0; c < 3; c++) {
        const v = pixel(x, y, c);
        all[c]! += v;
        sq[c]! += v * v;
      }
      n++;
      if (x + 1 < w && inBand(x + 1, y, w, h, b)) {
        for (let c = 0; c < 3; c++) energy += Math.abs(pixel(x + 1, y, c) - pixel(x, y, c));
        pairs++;
      }
    }
  }
  const means = sums.flatMap((s) => [s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!]);
  const spread = all.map((s, c) => Math.sqrt(Math.max(0, sq[c]! / n - (s / n) ** 2)));
  // Neighbour differences are small numbers: weighted up so that a texture's grain counts.
  return [...means, ...spread, (4 * energy) / Math.max(1, pairs)];
}

const references = new Map<string, { name: string; sig: number[] }[]>();

/** Signatures of every world background rendered at this size (cached per size). */
function referenceSignatures(w: number, h: number): { name: string; sig: number[] }[] {
  const key = `${w}x${h}`;
  let refs = references.get(key);
  if (!refs) {
    refs = BACKGROUND_NAMES.map((name) => {
      const img = backgroundImage(name, w, h);
      return { name, sig: signature((x, y, c) => img[(y * w + x) * 3 + c]!, w, h) };
    });
    references.set(key, refs);
  }
  return refs;
}

/** The world background whose signature is nearest the clip's (band pixels averaged over frames). */
export function classifyBackground(clip: Clip): string {
  const { rgba, width: w, height: h, numFrames } = clip;
  const plane = w * h * 4;
  const mean = (x: number, y: number, c: number) => {
    let s = 0;
    for (let f = 0; f < numFrames; f++) s += rgba[f * plane + (y * w + x) * 4 + c]!;
    return s / numFrames;
  };
  const sig = signature(mean, w, h);
  let best = BACKGROUND_NAMES[0]!;
  let bestDistance = Infinity;
  for (const ref of referenceSignatures(w, h)) {
    const d = Math.hypot(...ref.sig.map((v, i) => v - sig[i]!));
    if (d < bestDistance) [best, bestDistance] = [ref.name, d];
  }
  return best;
}

/** Calls `visit` for every pixel of the border band of a w × h image, each once, row by row. */
function forBand(w: number, h: number, visit: (x: number, y: number) => void): void {
  const b = bandWidth(w, h);
  for (let y = 0; y < h; y++) {
    const full = y < b || y >= h - b;
    for (let x = 0; x < w; x++) {
      if (!full && x === b) x = w - b;
      visit(x, y);
    }
  }
}

/** Least-squares fit of colour = a + b·u + c·v per channel over the band of one frame (plain and gradient). */
function fitAffine(clip: Clip, f: number): number[][] {
  const { rgba, width: w, height: h } = clip;
  const base = f * w * h * 4;
  // Normal equations in (1, u, v) with u = x/w, v = y/h in [0, 1] to keep them well conditioned.
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const r = [0, 0, 0].map(() => [0, 0, 0]);
  forBand(w, h, (x, y) => {
    const u = x / w;
    const v = y / h;
    m[0]!++;
    m[1]! += u;
    m[2]! += v;
    m[4]! += u * u;
    m[5]! += u * v;
    m[8]! += v * v;
    for (let c = 0; c < 3; c++) {
      const value = rgba[base + (y * w + x) * 4 + c]!;
      const rc = r[c]!;
      rc[0]! += value;
      rc[1]! += u * value;
      rc[2]! += v * value;
    }
  });
  [m[3], m[6], m[7]] = [m[1]!, m[2]!, m[5]!];
  return r.map((rhs) => solve3(m, rhs));
}

/** Solves a 3×3 system by Cramer's rule (the matrix is a positive definite Gram matrix). */
function solve3(m: number[], r: number[]): number[] {
  const det = (a: number[]) =>
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
    a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
    a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!);
  const d = det(m);
  return [0, 1, 2].map((k) => det(m.map((v, i) => (i % 3 === k ? r[Math.floor(i / 3)]! : v))) / d);
}

/**
 * Each pixel's RGB distance from the background in frame `f`: from the fitted plane for plain and
 * gradient backgrounds, from the segment between the texture's two world colours for textures.
 */
export function backgroundDistance(clip: Clip, f: number, background: string): Float32Array {
  const { rgba, width: w, height: h } = clip;
  const out = new Float32Array(w * h);
  const base = f * w * h * 4;
  const spec = WORLD.backgrounds[background]!;
  if (spec.kind === 'texture') {
    const a: Rgb = rgbOf(spec.colors[0]!);
    const bb: Rgb = rgbOf(spec.colors[spec.colors.length - 1]!);
    const ab = [bb[0] - a[0], bb[1] - a[1], bb[2] - a[2]];
    const len2 = ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2;
    for (let i = 0; i < w * h; i++) {
      const p = base + i * 4;
      const d0 = rgba[p]! - a[0];
      const d1 = rgba[p + 1]! - a[1];
      const d2 = rgba[p + 2]! - a[2];
      const t = Math.min(1, Math.max(0, (d0 * ab[0]! + d1 * ab[1]! + d2 * ab[2]!) / len2));
      const e0 = d0 - t * ab[0]!;
      const e1 = d1 - t * ab[1]!;
      const e2 = d2 - t * ab[2]!;
      out[i] = Math.sqrt(e0 * e0 + e1 * e1 + e2 * e2);
    }
    return out;
  }
  const [cr, cg, cb] = fitAffine(clip, f) as [number[], number[], number[]];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x / w;
      const v = y / h;
      const p = base + (y * w + x) * 4;
      const e0 = rgba[p]! - (cr[0]! + cr[1]! * u + cr[2]! * v);
      const e1 = rgba[p + 1]! - (cg[0]! + cg[1]! * u + cg[2]! * v);
      const e2 = rgba[p + 2]! - (cb[0]! + cb[1]! * u + cb[2]! * v);
      // Math.sqrt, not Math.hypot: this runs for every pixel of every frame, and hypot is slow in V8.
      out[y * w + x] = Math.sqrt(e0 * e0 + e1 * e1 + e2 * e2);
    }
  }
  return out;
}
