/**
 * The adherence gate, judged on clips whose truth is known: ground-truth renders pass; renders with
 * the wrong colours, motions or shapes fail on exactly that attribute.
 */
import { describe, expect, it } from 'vitest';
import { adherenceGate, describeGate, GOALS } from '../../../models/world/gate';
import { scoreClip, summarise } from '../../../models/world/evaluate';
import { renderScene } from '../../../models/world/render';
import { sampleScenes, type Scene } from '../../../models/world/scene';
import { isVisible } from '../../../models/world/split';
import { BACKGROUND_NAMES, COLOR_NAMES, SHAPE_NAMES } from '../../../models/world/world';

const size = { width: 192, height: 108, numFrames: 9 };
const scenes = sampleScenes(314, 24, 'heldout');

/** Scores each asked scene against a render of `shown(scene)`. */
const judge = (shown: (s: Scene) => Scene) =>
  summarise(scenes.map((s) => scoreClip(s, { rgba: renderScene(shown(s), size), ...size })));

/** The next colour in world order that is still visible on the scene's background. */
function swapColor(s: Scene): Scene {
  const at = COLOR_NAMES.indexOf(s.objects[0]!.color);
  for (let k = 1; k < COLOR_NAMES.length; k++) {
    const color = COLOR_NAMES[(at + k) % COLOR_NAMES.length]!;
    const swapped = { ...s, objects: s.objects.map((o) => ({ ...o, color })) };
    if (isVisible(swapped)) return swapped;
  }
  throw new Error('no other visible colour');
}

describe('adherenceGate', () => {
  it('passes ground-truth renders', () => {
    const result = adherenceGate(judge((s) => s));
    expect(result).toEqual({ pass: true, failures: [] });
    expect(describeGate(result)).toBe('adherence gate passed');
  });

  it('fails colour-swapped renders on colour only', () => {
    const result = adherenceGate(judge(swapColor));
    expect(result.pass).toBe(false);
    expect(result.failures.map((f) => f.attribute)).toEqual(['color']);
    expect(describeGate(result)).toMatch(/^color 0\.0 % < 95 %$/);
  });

  it('fails renders with the opposite motion on motion only', () => {
    const opposite: Record<string, string> = {
      left: 'right',
      right: 'left',
      up: 'down',
      down: 'up',
      growing: 'shrinking',
      shrinking: 'growing',
      still: 'left',
    };
    const result = adherenceGate(
      judge((s) => ({ ...s, objects: s.objects.map((o) => ({ ...o, motion: opposite[o.motion]! })) })),
    );
    expect(result.failures.map((f) => f.attribute)).toEqual(['motion']);
  });

  it('fails renders of the wrong shape, count or background', () => {
    const shape = (s: Scene) => ({
      ...s,
      objects: s.objects.map((o) => ({
        ...o,
        shape: SHAPE_NAMES[(SHAPE_NAMES.indexOf(o.shape) + 1) % SHAPE_NAMES.length]!,
      })),
    });
    expect(adherenceGate(judge(shape)).failures.map((f) => f.attribute)).toEqual(['shape']);
    const count = (s: Scene) => ({
      ...s,
      objects: s.objects.length === 1 ? [s.objects[0]!, s.objects[0]!] : [s.objects[0]!],
    });
    expect(adherenceGate(judge(count)).failures.map((f) => f.attribute)).toContain('count');
    const background = (s: Scene) => {
      const other = BACKGROUND_NAMES.map((b) => ({ ...s, background: b })).filter(
        (o) => o.background !== s.background && isVisible(o),
      );
      return other[0]!;
    };
    expect(adherenceGate(judge(background)).failures.map((f) => f.attribute)).toEqual(['background']);
  });

  it('fails a summary of too few clips, and one a hair under a goal', () => {
    const perfect = judge((s) => s);
    expect(adherenceGate({ ...perfect, n: 4 }).pass).toBe(false);
    expect(describeGate(adherenceGate({ ...perfect, n: 4 }))).toMatch(/only 4 clips/);
    const justUnder = { ...perfect, accuracy: { ...perfect.accuracy, shape: GOALS.shape - 0.001 } };
    expect(adherenceGate(justUnder).failures).toEqual([
      { attribute: 'shape', accuracy: GOALS.shape - 0.001, threshold: 0.9 },
    ]);
  });
});
