/**
 * Scoring a clip against the scene it was asked to show, and summing scores into accuracies. Object
 * attributes are scored under the pairing of asked and seen objects that matches the most attributes,
 * so "a red circle and a blue square" seen in either order scores the same.
 */
import type { Clip } from './background-match';
import { detectScene, type DetectedScene } from './detect';
import { flicker, judder } from './metrics';
import type { Scene, SceneObject } from './scene';

/** The attributes the evaluator judges. */
export const ATTRIBUTES = ['background', 'count', 'color', 'shape', 'motion'] as const;
/** One judged attribute. */
export type Attribute = (typeof ATTRIBUTES)[number];

/** The verdict on one clip. */
export interface ClipScore {
  correct: Record<Attribute, boolean>;
  detected: Omit<DetectedScene, 'foreground' | 'objects'> & { objects: SceneObject[] };
  /**
   * Mean absolute change (0–255) between consecutive frames of the background pixels (those never
   * near an object), or of the whole frame when under a quarter of it is background.
   */
  flicker: number;
  /** Mean absolute change between consecutive frames over the whole frame (0–255). */
  frameFlicker: number;
  /** The largest frame-to-frame change above the median one (0–255): uneven, jumpy motion (`judder`). */
  judder: number;
}

/** Accuracies (0–1) per attribute and for all five at once, over `n` clips. */
export interface Summary {
  n: number;
  accuracy: Record<Attribute | 'all', number>;
  meanFlicker: number;
  meanFrameFlicker: number;
  meanJudder: number;
}

const OBJECT_ATTRIBUTES = ['color', 'shape', 'motion'] as const;

/** The share of pixels outside a 0/1 foreground mask. */
const backgroundShare = (foreground: Uint8Array) =>
  foreground.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / foreground.length;

/** Every injective pairing of `k` asked objects with `n` seen ones (k, n ≤ 3), as seen indices. */
function pairings(k: number, n: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (const rest of pairings(k - 1, n)) for (let j = 0; j < n; j++) if (!rest.includes(j)) out.push([...rest, j]);
  return out;
}

/** Reads the clip and says, attribute by attribute, whether it shows the scene. */
export function scoreClip(scene: Scene, clip: Clip): ClipScore {
  const seen = detectScene(clip);
  const frameFlicker = flicker(clip);
  const objects = seen.objects.map(({ color, shape, motion }) => ({ color, shape, motion }));
  const k = Math.min(scene.objects.length, objects.length);
  const matches = (p: number[], a: (typeof OBJECT_ATTRIBUTES)[number]) =>
    p.filter((j, i) => scene.objects[i]![a] === objects[j]![a]).length;
  // Which asked objects go unpaired when fewer are seen does not matter: they count as wrong.
  const candidates = pairings(k, objects.length);
  const best = candidates.reduce((a, b) =>
    OBJECT_ATTRIBUTES.reduce((s, x) => s + matches(b, x), 0) > OBJECT_ATTRIBUTES.reduce((s, x) => s + matches(a, x), 0)
      ? b
      : a,
  );
  const all = (a: (typeof OBJECT_ATTRIBUTES)[number]) =>
    objects.length > 0 && matches(best, a) === scene.objects.length;
  return {
    correct: {
      background: seen.background === scene.background,
      count: seen.count === scene.objects.length,
      color: all('color'),
      shape: all('shape'),
      motion: all('motion'),
    },
    detected: { background: seen.background, count: seen.count, objects },
    flicker: backgroundShare(seen.foreground) >= 0.25 ? flicker(clip, seen.foreground) : frameFlicker,
    frameFlicker,
    judder: judder(clip),
  };
}

/** Accuracy per attribute (and of clips right in every attribute) and mean flicker. */
export function summarise(results: readonly ClipScore[]): Summary {
  const n = results.length;
  const rate = (ok: (r: ClipScore) => boolean) => (n === 0 ? 0 : results.filter(ok).length / n);
  const accuracy = Object.fromEntries(ATTRIBUTES.map((a) => [a, rate((r) => r.correct[a])])) as Record<
    Attribute,
    number
  >;
  return {
    n,
    accuracy: { ...accuracy, all: rate((r) => ATTRIBUTES.every((a) => r.correct[a])) },
    meanFlicker: n === 0 ? 0 : results.reduce((s, r) => s + r.flicker, 0) / n,
    meanFrameFlicker: n === 0 ? 0 : results.reduce((s, r) => s + r.frameFlicker, 0) / n,
    meanJudder: n === 0 ? 0 : results.reduce((s, r) => s + r.judder, 0) / n,
  };
}
