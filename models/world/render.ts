/**
 * The ground-truth renderer: a Scene to RGBA frames (frames × height × width × 4, row-major), the
 * same bytes for the same scene and size in any run. It is the source of training data and what the
 * evaluator is checked against, so its maths is kept to a few documented formulas (port them exactly):
 *
 * - m = min(width, height); frame f of F is at time t = f / (F − 1) (t = 0 for one frame).
 * - An object's radius is 0.14·m·scale; scale is 1, or 0.5 → 1.1 (growing), or 1.1 → 0.5 (shrinking),
 *   linear in t.
 * - Objects sit in n slots across the axis perpendicular to the first object's motion (the long axis
 *   when it does not move): slot i at (i + 0.5)/n of that side, centred on the other.
 * - A moving object travels a third of the frame along its axis, centred: offset (t − 0.5)·side/3.
 * - Coverage of a pixel centre is clamp(0.5 − d·r, 0, 1), d the shape's unit signed distance and r the
 *   radius in pixels (one-pixel anti-aliasing); the pixel is background + coverage·(colour − background),
 *   rounded half up.
 */
import { backgroundImage } from './backgrounds';
import { mulberry32 } from './split';
import type { Scene } from './scene';
import { shapeDistance } from './shapes';
import { rgbOf, WORLD } from './world';

/** Frame size and length; `jitter` (a seed) shifts the objects by up to 3 % of m, for training variety. */
export interface RenderOptions {
  width: number;
  height: number;
  numFrames: number;
  jitter?: number;
}

/** Where an object is at one instant, in pixels. */
export interface Placement {
  cx: number;
  cy: number;
  radius: number;
}

/** The base radius of an object as a fraction of min(width, height). */
export const RADIUS = 0.14;

/** Scale of a motion at time t in [0, 1]. */
export function scaleAt(motion: string, t: number): number {
  const trend = WORLD.motions[motion]?.scale ?? 0;
  return trend > 0 ? 0.5 + 0.6 * t : trend < 0 ? 1.1 - 0.6 * t : 1;
}

/** Each object's centre and radius at time t. */
export function placements(scene: Scene, options: RenderOptions, t: number): Placement[] {
  const { width, height } = options;
  const m = Math.min(width, height);
  const first = WORLD.motions[scene.objects[0]?.motion ?? 'still'];
  const slotsAlongX = first ? first.dy !== 0 || (first.dx === 0 && width >= height) : width >= height;
  const random = mulberry32(options.jitter ?? 0);
  const [jx, jy] =
    options.jitter === undefined ? [0, 0] : [(random() * 2 - 1) * 0.03 * m, (random() * 2 - 1) * 0.03 * m];
  const n = scene.objects.length;
  return scene.objects.map((o, i) => {
    const motion = WORLD.motions[o.motion] ?? { dx: 0, dy: 0, scale: 0 };
    const slot = (i + 0.5) / n;
    const cx = (slotsAlongX ? slot * width : width / 2) + motion.dx * (t - 0.5) * (width / 3);
    const cy = (slotsAlongX ? height / 2 : slot * height) + motion.dy * (t - 0.5) * (height / 3);
    return { cx: cx + jx, cy: cy + jy, radius: RADIUS * m * scaleAt(o.motion, t) };
  });
}

/** Renders a scene to RGBA frames at any size and length. */
export function renderScene(scene: Scene, options: RenderOptions): Uint8Array {
  const { width, height, numFrames } = options;
  if (!(width > 0 && height > 0 && numFrames > 0))
    throw new RangeError(`cannot render ${width}×${height}×${numFrames}`);
  const bg = backgroundImage(scene.background, width, height);
  const plane = width * height * 4;
  const frames = new Uint8Array(plane * numFrames);
  const bgRgba = new Uint8Array(plane);
  for (let p = 0, q = 0; p < plane; p += 4, q += 3) {
    bgRgba[p] = Math.floor(bg[q]! + 0.5);
    bgRgba[p + 1] = Math.floor(bg[q + 1]! + 0.5);
    bgRgba[p + 2] = Math.floor(bg[q + 2]! + 0.5);
    bgRgba[p + 3] = 255;
  }
  for (let f = 0; f < numFrames; f++) {
    const frame = frames.subarray(f * plane, (f + 1) * plane);
    frame.set(bgRgba);
    const t = numFrames > 1 ? f / (numFrames - 1) : 0;
    placements(scene, options, t).forEach((p, i) => drawObject(frame, bg, width, height, p, scene.objects[i]!));
  }
  return frames;
}

/** Blends one anti-aliased object into a frame, visiting only its bounding box. */
function drawObject(
  frame: Uint8Array,
  bg: Float32Array,
  width: number,
  height: number,
  { cx, cy, radius }: Placement,
  object: Scene['objects'][number],
): void {
  const sd = shapeDistance(object.shape);
  const color = rgbOf(object.color);
  const x0 = Math.max(0, Math.floor(cx - radius - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + radius + 1));
  const y0 = Math.max(0, Math.floor(cy - radius - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + radius + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const coverage = Math.min(1, Math.max(0, 0.5 - sd((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius) * radius));
      if (coverage === 0) continue;
      const q = (y * width + x) * 3;
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) frame[p + c] = Math.floor(bg[q + c]! + coverage * (color[c]! - bg[q + c]!) + 0.5);
    }
  }
}
