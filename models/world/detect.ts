/**
 * What a clip shows, read from its pixels alone: the background (border band), the objects
 * (connected blobs far from the background), each object's colour, shape and motion.
 */
import { backgroundDistance, classifyBackground, type Clip } from './background-match';
import { components } from './components';
import { dilate } from './metrics';
import { classifyShape, shapeFeatures } from './shape-features';
import { COLOR_NAMES, MOTION_NAMES, rgbDistance, rgbOf, WORLD, type Rgb } from './world';

/** RGB distance from the background above which a pixel is foreground (objects differ by ≥ 90). */
export const FOREGROUND_THRESHOLD = 40;

/** One object as seen in one frame. */
export interface Sighting {
  color: string;
  shape: string;
  /** Coverage-weighted area in pixels and centroid. */
  area: number;
  cx: number;
  cy: number;
}

/** One object followed through the clip, with its majority colour and shape and its motion. */
export interface DetectedObject {
  color: string;
  shape: string;
  motion: string;
  track: (Sighting | undefined)[];
}

/** Everything the evaluator saw. */
export interface DetectedScene {
  background: string;
  count: number;
  objects: DetectedObject[];
  /** 1 where a pixel was foreground in any frame (for the background-only flicker). */
  foreground: Uint8Array;
}

const nearestColor = (rgb: Rgb) =>
  COLOR_NAMES.reduce((best, name) => (rgbDistance(rgbOf(name), rgb) < rgbDistance(rgbOf(best), rgb) ? name : best));
const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;

/** Colour, shape, area and centroid of one blob. */
function measure(
  clip: Clip,
  f: number,
  distance: Float32Array,
  labels: Int32Array,
  label: number,
  pixels: number[],
): Sighting {
  const { rgba, width: w, height: h } = clip;
  const base = f * w * h * 4;
  // The core (pixels well inside, not anti-aliased edges) gives the colour and the full-coverage distance.
  const ds = pixels.map((i) => distance[i]!);
  const cut = 0.7 * [...ds].sort((a, b) => a - b)[Math.floor(0.9 * (ds.length - 1))]!;
  const core = pixels.filter((i) => distance[i]! >= cut);
  const rgb = [0, 1, 2].map((c) => median(core.map((i) => rgba[base + i * 4 + c]!))) as unknown as Rgb;
  const full = median(core.map((i) => distance[i]!));
  let [x0, y0, x1, y1] = [w, h, 0, 0];
  for (const i of pixels) {
    const x = i % w;
    const y = (i - x) / w;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  [x0, y0, x1, y1] = [Math.max(0, x0 - 2), Math.max(0, y0 - 2), Math.min(w - 1, x1 + 2), Math.min(h - 1, y1 + 2)];
  const ww = x1 - x0 + 1;
  const wh = y1 - y0 + 1;
  const alpha = new Float32Array(ww * wh);
  let area = 0;
  let sx = 0;
  let sy = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * w + x;
      const own = labels[i] === 0 || labels[i] === label;
      const a = own ? Math.min(1, distance[i]! / full) : 0;
      alpha[(y - y0) * ww + (x - x0)] = a;
      area += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
    }
  }
  const features = shapeFeatures(alpha, ww, wh);
  return {
    color: nearestColor(rgb),
    shape: features ? classifyShape(features) : 'unknown',
    area,
    cx: sx / area,
    cy: sy / area,
  };
}

/** The most objects per frame that get tracked (the world has at most 3). */
const MAX_TRACKED = 4;

/** All objects of every frame. */
function sightings(clip: Clip, background: string, foreground: Uint8Array): Sighting[][] {
  const { width: w, height: h } = clip;
  // The world's objects cover 0.006–0.075 m² (m = the short side); the bounds leave a wide margin.
  const minArea = Math.max(4, 0.002 * Math.min(w, h) ** 2);
  const maxArea = 0.3 * Math.min(w, h) ** 2;
  const frames: Sighting[][] = [];
  for (let f = 0; f < clip.numFrames; f++) {
    const distance = backgroundDistance(clip, f, background);
    const { blobs, labels } = components(distance, w, h, FOREGROUND_THRESHOLD, minArea, maxArea);
    for (let i = 0; i < distance.length; i++) if (distance[i]! > FOREGROUND_THRESHOLD) foreground[i] = 1;
    frames.push(blobs.map((b) => measure(clip, f, distance, labels, b.label, b.pixels)));
  }
  return frames;
}

/** Reads a clip: background, count (the most common number of objects per frame) and each object. */
export function detectScene(clip: Clip): DetectedScene {
  const background = classifyBackground(clip);
  const foreground = new Uint8Array(clip.width * clip.height);
  const frames = sightings(clip, background, foreground);
  const tally = new Map<number, number>();
  for (const s of frames) tally.set(s.length, (tally.get(s.length) ?? 0) + 1);
  const count = [...tally].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
  // Tracking tries every permutation of a frame's objects; a clip with more than a few per frame is
  // noise, not a world scene (at most 3 objects), so it gets no tracks rather than n! permutations.
  const tracks = count <= MAX_TRACKED ? followObjects(frames, count) : [];
  const m = Math.min(clip.width, clip.height);
  const objects = tracks.map((track) => ({
    color: vote(track, (s) => s.color),
    shape: vote(track, (s) => s.shape),
    motion: classifyMotion(track, m),
    track,
  }));
  // Anti-aliased fringes fall below the threshold but change as objects move: widen the mask over them.
  return { background, count, objects, foreground: dilate(foreground, clip.width, clip.height, 2) };
}

/** Links the objects of frames that have exactly `count` of them, by the nearest centroids. */
function followObjects(frames: Sighting[][], count: number): (Sighting | undefined)[][] {
  const tracks: (Sighting | undefined)[][] = Array.from({ length: count }, () => []);
  let last: Sighting[] | undefined;
  for (const seen of frames) {
    if (seen.length !== count || count === 0) {
      tracks.forEach((t) => t.push(undefined));
      continue;
    }
    const order = last ? bestOrder(last, seen) : seen.map((_, i) => i);
    tracks.forEach((t, k) => t.push(seen[order[k]!]));
    last = order.map((i) => seen[i]!);
  }
  return tracks;
}

/** The permutation of `next` that moves the centroids of `prev` least (counts are 1–3). */
function bestOrder(prev: Sighting[], next: Sighting[]): number[] {
  const permutations = (items: number[]): number[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((x, i) => permutations(items.filter((_, j) => j !== i)).map((p) => [x, ...p]));
  const cost = (p: number[]) =>
    p.reduce((s, j, k) => s + Math.hypot(prev[k]!.cx - next[j]!.cx, prev[k]!.cy - next[j]!.cy), 0);
  return permutations(next.map((_, i) => i)).reduce((a, b) => (cost(b) < cost(a) ? b : a));
}

/** The area-weighted majority of a property over a track (large sightings are the reliable ones). */
function vote(track: (Sighting | undefined)[], key: (s: Sighting) => string): string {
  const weights = new Map<string, number>();
  for (const s of track) if (s) weights.set(key(s), (weights.get(key(s)) ?? 0) + s.area);
  return [...weights].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

/**
 * Motion from least-squares slopes over time t in [0, 1]: log-area change beyond ln 2 (the renderer's
 * is ln 4.84) is growing/shrinking; else a centroid displacement beyond 10 % of the short side (the
 * renderer's is ≥ 33 %) is a direction; else still.
 */
export function classifyMotion(track: (Sighting | undefined)[], m: number): string {
  const points = track.flatMap((s, f) => (s ? [{ t: track.length > 1 ? f / (track.length - 1) : 0, s }] : []));
  if (points.length < 2) return 'still';
  const slope = (value: (s: Sighting) => number) => {
    const mt = points.reduce((a, p) => a + p.t, 0) / points.length;
    const mv = points.reduce((a, p) => a + value(p.s), 0) / points.length;
    const num = points.reduce((a, p) => a + (p.t - mt) * (value(p.s) - mv), 0);
    const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
    return den > 0 ? num / den : 0;
  };
  const growth = slope((s) => Math.log(s.area));
  const dx = slope((s) => s.cx / m);
  const dy = slope((s) => s.cy / m);
  let seen = { dx: 0, dy: 0, scale: 0 };
  if (Math.abs(growth) > Math.LN2) seen = { dx: 0, dy: 0, scale: Math.sign(growth) };
  else if (Math.max(Math.abs(dx), Math.abs(dy)) >= 0.1)
    seen =
      Math.abs(dx) >= Math.abs(dy) ? { dx: Math.sign(dx), dy: 0, scale: 0 } : { dx: 0, dy: Math.sign(dy), scale: 0 };
  return (
    MOTION_NAMES.find((name) => {
      const spec = WORLD.motions[name]!;
      return spec.dx === seen.dx && spec.dy === seen.dy && spec.scale === seen.scale;
    }) ?? 'unknown'
  );
}
