/**
 * Seeded scene sampling with a fixed train / held-out split. The split is by combination: an object's
 * (colour, shape, motion, background) is held out when the FNV-1a hash of "color shape motion
 * background" is 0 mod 10, so a held-out combination never appears in training, in any count.
 */
import { describeScene, MAX_OBJECTS, type Scene, type SceneObject } from './scene';
import { BACKGROUND_NAMES, COLOR_NAMES, contrast, MIN_CONTRAST, MOTION_NAMES, SHAPE_NAMES } from './world';

/** Which side of the split a scene belongs to. */
export type Split = 'train' | 'heldout';

/** One in this many combinations is held out. */
export const HELDOUT_MODULUS = 10;

/** FNV-1a, 32-bit, over the UTF-16 code units of an ASCII string: two lines in any language. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** mulberry32: a tiny seeded uint32 generator, easy to port bit for bit (returns uniforms in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const comboHeldOut = (o: SceneObject, background: string) =>
  fnv1a(`${o.color} ${o.shape} ${o.motion} ${background}`) % HELDOUT_MODULUS === 0;

/** The split of a scene: held out when any of its objects' combinations is. */
export function splitOf(scene: Scene): Split {
  return scene.objects.some((o) => comboHeldOut(o, scene.background)) ? 'heldout' : 'train';
}

/** True when every object stands out from the background by at least `MIN_CONTRAST`. */
export function isVisible(scene: Scene): boolean {
  return scene.objects.every((o) => contrast(o.color, scene.background) >= MIN_CONTRAST);
}

/**
 * `n` distinct visible scenes of one split, the same for the same seed: one or two identical objects
 * ("two yellow stars moving up"), every name drawn uniformly from `world.json`.
 */
export function sampleScenes(seed: number, n: number, split: Split): Scene[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const scenes: Scene[] = [];
  const seen = new Set<string>();
  // Held-out scenes are ~1 in 10 of the visible ones; the cap only stops an impossible `n`.
  for (let attempt = 0; scenes.length < n && attempt < 1000 * (n + 10); attempt++) {
    const count = 1 + Math.floor(random() * MAX_OBJECTS);
    const object = { color: pick(COLOR_NAMES), shape: pick(SHAPE_NAMES), motion: pick(MOTION_NAMES) };
    const scene: Scene = {
      objects: Array.from({ length: count }, () => ({ ...object })),
      background: pick(BACKGROUND_NAMES),
    };
    if (!isVisible(scene) || splitOf(scene) !== split) continue;
    const prompt = describeScene(scene);
    if (seen.has(prompt)) continue;
    seen.add(prompt);
    scenes.push(scene);
  }
  if (scenes.length < n) throw new Error(`only ${scenes.length} distinct ${split} scenes exist, asked for ${n}`);
  return scenes;
}
