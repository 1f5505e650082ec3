/**
 * Shape recognition by nearest prototype. A blob's coverage (alpha) inside its bounding box is pooled
 * on a 5×5 grid (ring: empty centre; cross: empty corners; triangle: empty top corners; …), plus its
 * fill ratio and aspect. Prototypes are the world's shapes drawn with the renderer's own coverage
 * formula at several sizes and sub-pixel offsets, so the features mean the same thing on both sides.
 */
import { shapeDistance } from './shapes';
import { SHAPE_NAMES } from './world';

const GRID = 5;

/** Features of an alpha image (w × h, values in [0, 1]); the box is where alpha ≥ 0.5. Null when empty. */
export function shapeFeatures(alpha: Float32Array, w: number, h: number): number[] | null {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (alpha[y * w + x]! < 0.5) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const sums = new Float64Array(GRID * GRID);
  const counts = new Float64Array(GRID * GRID);
  let area = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const a = alpha[y * w + x]!;
      const cell = Math.floor(((y - y0 + 0.5) * GRID) / bh) * GRID + Math.floor(((x - x0 + 0.5) * GRID) / bw);
      sums[cell]! += a;
      counts[cell]!++;
      area += a;
    }
  }
  const grid = Array.from(sums, (s, i) => (counts[i]! > 0 ? s / counts[i]! : 0));
  return [...grid, (2 * area) / (bw * bh), 2 * Math.log(bw / bh)];
}

/** Coverage of a shape of `radius` pixels centred at (cx, cy) in a w × h window (the renderer's formula). */
export function shapeAlpha(shape: string, radius: number, cx: number, cy: number, w: number, h: number): Float32Array {
  const sd = shapeDistance(shape);
  const alpha = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      alpha[y * w + x] = Math.min(1, Math.max(0, 0.5 - sd((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius) * radius));
    }
  }
  return alpha;
}

let prototypes: { shape: string; features: number[] }[] | undefined;

/** Every world shape at radii from 6 to 64 px and four sub-pixel offsets. */
function shapePrototypes(): { shape: string; features: number[] }[] {
  if (prototypes) return prototypes;
  prototypes = [];
  for (const shape of SHAPE_NAMES) {
    for (const radius of [6, 8, 11, 15, 20, 28, 40, 64]) {
      for (const offset of [0, 0.25, 0.5, 0.75]) {
        const size = Math.ceil(2 * radius + 4);
        const features = shapeFeatures(
          shapeAlpha(shape, radius, size / 2 + offset, size / 2 + offset / 2, size, size),
          size,
          size,
        );
        if (features) prototypes.push({ shape, features });
      }
    }
  }
  return prototypes;
}

/** The world shape whose prototype is nearest these features. */
export function classifyShape(features: number[]): string {
  let best = SHAPE_NAMES[0]!;
  let bestDistance = Infinity;
  for (const p of shapePrototypes()) {
    let d = 0;
    for (let i = 0; i < features.length; i++) d += (features[i]! - p.features[i]!) ** 2;
    if (d < bestDistance) [best, bestDistance] = [p.shape, d];
  }
  return best;
}
