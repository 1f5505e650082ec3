/**
 * The toy world, read once from `world.json`: the training data, the evaluator and the UI's example
 * prompts all take their vocabulary and colours from that one file.
 */
import worldJson from './world.json' with { type: 'json' };

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** How a background is drawn from its colours (see `render.ts`). */
export type BackgroundKind = 'plain' | 'gradient' | 'texture';

/** One background of the world. */
export interface BackgroundSpec {
  readonly kind: BackgroundKind;
  /** World colour names: one for plain, [top, bottom] for a gradient, [a, b] for a texture. */
  readonly colors: readonly string[];
}

/** One motion of the world: a unit direction (y down) and a scale trend (+1 growing, −1 shrinking). */
export interface MotionSpec {
  readonly dx: number;
  readonly dy: number;
  readonly scale: number;
}

/** The typed content of `world.json`. */
export interface World {
  readonly colors: Readonly<Record<string, Rgb>>;
  readonly shapes: readonly string[];
  readonly motions: Readonly<Record<string, MotionSpec>>;
  readonly backgrounds: Readonly<Record<string, BackgroundSpec>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly fillers: readonly string[];
  readonly prompts: readonly string[];
  /** Words outside the tokenizer's vocabulary that the prompt parser maps onto world words, per category. */
  readonly synonyms: Readonly<
    Record<'colors' | 'shapes' | 'motions' | 'backgrounds', Readonly<Record<string, string>>>
  >;
}

/** Checks the cross-references a typo would break (a background naming a colour that does not exist). */
function checkWorld(world: World): World {
  const known = (name: string) => Object.hasOwn(world.colors, name);
  for (const [name, bg] of Object.entries(world.backgrounds)) {
    const bad = bg.colors.filter((c) => !known(c));
    if (bad.length > 0) throw new Error(`world.json: background ${name} names unknown colours ${bad.join(', ')}`);
    if (!['plain', 'gradient', 'texture'].includes(bg.kind))
      throw new Error(`world.json: background ${name} kind ${bg.kind}`);
  }
  for (const [category, table] of Object.entries(world.synonyms)) {
    const targets: readonly string[] =
      category === 'shapes' ? world.shapes : Object.keys(world[category as 'colors' | 'motions' | 'backgrounds']);
    for (const [word, target] of Object.entries(table)) {
      if (!targets.includes(target))
        throw new Error(`world.json: synonym ${word} → ${target} is not a world ${category}`);
    }
  }
  return world;
}

/** The world, validated at import. */
export const WORLD: World = checkWorld(worldJson as unknown as World);

/** World colour names in file order. */
export const COLOR_NAMES: readonly string[] = Object.keys(WORLD.colors);
/** World shape names in file order. */
export const SHAPE_NAMES: readonly string[] = WORLD.shapes;
/** World motion names in file order. */
export const MOTION_NAMES: readonly string[] = Object.keys(WORLD.motions);
/** World background names in file order. */
export const BACKGROUND_NAMES: readonly string[] = Object.keys(WORLD.backgrounds);

/** The RGB of a world colour; throws on an unknown name. */
export function rgbOf(name: string): Rgb {
  const rgb = WORLD.colors[name];
  if (!rgb) throw new Error(`unknown world colour ${name}`);
  return rgb;
}

/** Euclidean distance between two RGB colours. */
export function rgbDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Distance from `p` to the RGB segment a–b: every pixel of a background lies on its colours' segment. */
export function segmentDistance(p: Rgb, a: Rgb, b: Rgb): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]] as const;
  const len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  const t =
    len2 === 0
      ? 0
      : Math.min(1, Math.max(0, ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1] + (p[2] - a[2]) * ab[2]) / len2));
  return Math.hypot(p[0] - a[0] - t * ab[0], p[1] - a[1] - t * ab[1], p[2] - a[2] - t * ab[2]);
}

/**
 * The least RGB distance between an object colour and a background for a scene to be valid: closer
 * pairs (a gray star on a gray background, a brown one on yellow/black stripes) are hard to see, for a
 * model and for the evaluator alike, so the sampler never draws them.
 */
export const MIN_CONTRAST = 90;

/** Distance from a colour to the colour segment of a background (0 when it is one of its colours). */
export function contrast(color: string, background: string): number {
  const bg = WORLD.backgrounds[background];
  if (!bg) throw new Error(`unknown world background ${background}`);
  const a = rgbOf(bg.colors[0]!);
  const b = rgbOf(bg.colors[bg.colors.length - 1]!);
  return segmentDistance(rgbOf(color), a, b);
}

/** English plural of a shape name ("star" → "stars", "cross" → "crosses"), for prompts and the tokenizer. */
export const pluralOf = (shape: string): string => (/(s|x|ch|sh)$/.test(shape) ? `${shape}es` : `${shape}s`);
