/**
 * Backgrounds as RGB images. Every background is static (the same in every frame) and every pixel of
 * it lies on the RGB segment between its two colours, which is what the evaluator relies on.
 * Pixel (x, y) is sampled at its centre (x + 0.5, y + 0.5); m = min(width, height).
 */
import { rgbOf, WORLD, type Rgb } from './world';

/** A 32-bit integer hash of a lattice point (the noise texture's random values), in [0, 1). */
export function latticeHash(i: number, j: number): number {
  let h = (Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Texture patterns: the weight of the second colour at pixel centre (px, py), for side m. */
const TEXTURES: Readonly<Record<string, (px: number, py: number, m: number) => number>> = {
  // 8 cells across the short side.
  checkerboard: (px, py, m) => (Math.floor((px * 8) / m) + Math.floor((py * 8) / m)) & 1,
  // Diagonal bands, 6 periods along the short side.
  stripes: (px, py, m) => Math.floor(((px + py) * 6) / m) & 1,
  // Value noise: hashed values on a lattice of m/6, interpolated bilinearly (no fade curve).
  noise: (px, py, m) => {
    const u = (px * 6) / m;
    const v = (py * 6) / m;
    const i = Math.floor(u);
    const j = Math.floor(v);
    const fu = u - i;
    const fv = v - j;
    const top = latticeHash(i, j) * (1 - fu) + latticeHash(i + 1, j) * fu;
    const bottom = latticeHash(i, j + 1) * (1 - fu) + latticeHash(i + 1, j + 1) * fu;
    return top * (1 - fv) + bottom * fv;
  },
};

/**
 * The background as RGB floats (width × height × 3, row-major). Plain: one colour. Gradient: the
 * first colour at the top, the second at the bottom, linear in RGB along y. Texture: a pattern mixing
 * the two colours.
 */
export function backgroundImage(name: string, width: number, height: number): Float32Array {
  const spec = WORLD.backgrounds[name];
  if (!spec) throw new Error(`unknown world background ${name}`);
  const a: Rgb = rgbOf(spec.colors[0]!);
  const b: Rgb = rgbOf(spec.colors[spec.colors.length - 1]!);
  const m = Math.min(width, height);
  const texture = TEXTURES[name];
  if (spec.kind === 'texture' && !texture)
    throw new Error(`the renderer has no texture "${name}": add it to backgrounds.ts`);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const w =
        spec.kind === 'plain' ? 0 : spec.kind === 'gradient' ? (y + 0.5) / height : texture!(x + 0.5, y + 0.5, m);
      const o = (y * width + x) * 3;
      out[o] = a[0] + w * (b[0] - a[0]);
      out[o + 1] = a[1] + w * (b[1] - a[1]);
      out[o + 2] = a[2] + w * (b[2] - a[2]);
    }
  }
  return out;
}
