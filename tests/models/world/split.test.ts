/** The train / held-out split: seeded, disjoint by combination, and only visible scenes. */
import { describe, expect, it } from 'vitest';
import { describeScene } from '../../../models/world/scene';
import { fnv1a, isVisible, sampleScenes, splitOf } from '../../../models/world/split';
import { BACKGROUND_NAMES, COLOR_NAMES, MOTION_NAMES, SHAPE_NAMES } from '../../../models/world/world';

const combos = (scenes: ReturnType<typeof sampleScenes>) =>
  new Set(scenes.flatMap((s) => s.objects.map((o) => `${o.color} ${o.shape} ${o.motion} ${s.background}`)));

describe('sampleScenes', () => {
  it('gives the same scenes for the same seed and others for another', () => {
    const a = sampleScenes(42, 50, 'heldout').map(describeScene);
    expect(sampleScenes(42, 50, 'heldout').map(describeScene)).toEqual(a);
    expect(sampleScenes(43, 50, 'heldout').map(describeScene)).not.toEqual(a);
    // Golden: the held-out set is a fixed benchmark; changing it silently would break comparisons (a constant,
    // not an inline snapshot, so `vitest -u` cannot rewrite it).
    expect(a.slice(0, 3)).toEqual([
      'a pink square moving up on a checkerboard background',
      'two orange crosses moving right on a checkerboard background',
      'a yellow heart shrinking on a blue background',
    ]);
  });

  it('keeps held-out combinations out of training, in any count', () => {
    const train = sampleScenes(1, 3000, 'train');
    const heldout = sampleScenes(2, 400, 'heldout');
    expect(train.every((s) => splitOf(s) === 'train')).toBe(true);
    expect(heldout.every((s) => splitOf(s) === 'heldout')).toBe(true);
    const trainCombos = combos(train);
    for (const c of combos(heldout)) expect(trainCombos.has(c)).toBe(false);
  });

  it('draws distinct, visible scenes of one or two objects covering the whole vocabulary', () => {
    const scenes = sampleScenes(3, 256, 'heldout');
    expect(new Set(scenes.map(describeScene)).size).toBe(256);
    expect(scenes.every(isVisible)).toBe(true);
    expect(new Set(scenes.map((s) => s.objects.length))).toEqual(new Set([1, 2]));
    for (const [names, key] of [
      [COLOR_NAMES, 'color'],
      [SHAPE_NAMES, 'shape'],
      [MOTION_NAMES, 'motion'],
    ] as const) {
      expect(new Set(scenes.map((s) => s.objects[0]![key]))).toEqual(new Set(names));
    }
    expect(new Set(scenes.map((s) => s.background))).toEqual(new Set(BACKGROUND_NAMES));
  });

  it('hashes with FNV-1a (reference values)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });
});
