/** Prompts to scenes and back: canonical phrasing, free phrasing, unknown words. */
import { describe, expect, it } from 'vitest';
import { describeScene, isCompleteScene, parsePrompt, sampleScenes, type Scene } from '../../../models/world/scene';
import { WORLD } from '../../../models/world/world';

const one = (color: string, shape: string, motion: string, background: string, count = 1): Scene => ({
  objects: Array.from({ length: count }, () => ({ color, shape, motion })),
  background,
});

describe('parsePrompt', () => {
  it.each([
    ['a red circle moving left on a black background', one('red', 'circle', 'left', 'black')],
    ['two yellow stars drifting up over a sunset gradient', one('yellow', 'star', 'up', 'sunset', 2)],
    ['a green square growing on a white background', one('green', 'square', 'growing', 'white')],
    ['A Purple Diamond, shrinking slowly, on a gray background!', one('purple', 'diamond', 'shrinking', 'gray')],
    ['one grey triangle rising over a navy background', one('gray', 'triangle', 'up', 'blue')],
    ['red balls falling on a checkered background', one('red', 'circle', 'down', 'checkerboard', 2)],
    ['two white crosses sliding rightwards over stripes', one('white', 'cross', 'right', 'stripes', 2)],
    ['a stationary pink donut on a green backdrop', one('pink', 'ring', 'still', 'green')],
    ['a pink ring still on a blue background', one('pink', 'ring', 'still', 'blue')],
    [
      'cinematic 4k shot of a cyan heart expanding majestically over an ocean gradient',
      one('cyan', 'heart', 'growing', 'ocean'),
    ],
    ['a blue background with an orange rhombus moving down', one('orange', 'diamond', 'down', 'blue')],
  ])('reads "%s"', (prompt, scene) => {
    expect(parsePrompt(prompt)).toEqual(scene);
  });

  it('reads two different objects and shares a motion said once', () => {
    expect(parsePrompt('a red circle and a blue square moving left on a white background')).toEqual({
      objects: [
        { color: 'red', shape: 'circle', motion: 'left' },
        { color: 'blue', shape: 'square', motion: 'left' },
      ],
      background: 'white',
    });
    expect(parsePrompt('a red circle moving up and a blue star moving down on a gray background').objects).toEqual([
      { color: 'red', shape: 'circle', motion: 'up' },
      { color: 'blue', shape: 'star', motion: 'down' },
    ]);
  });

  it('leaves out what a prompt does not say, and never throws on unknown words', () => {
    expect(parsePrompt('a red circle moving left on a navy background').background).toBe('blue');
    expect(parsePrompt('two yellow stars drifting up over a night sky')).toEqual(
      one('yellow', 'star', 'up', 'black', 2),
    );
    expect(parsePrompt('a mauve hexagon wobbling on a tartan background')).toEqual({ objects: [] });
    expect(parsePrompt('a red blob')).toEqual({ objects: [{ color: 'red' }] });
    expect(parsePrompt('')).toEqual({ objects: [] });
    expect(parsePrompt('🙂 ¿qué? \u0000 a  square')).toEqual({ objects: [{ shape: 'square' }] });
    expect(isCompleteScene(parsePrompt('a red circle on a black background'))).toBe(false);
    expect(isCompleteScene(parsePrompt('three orange circles drifting left over stripes'))).toBe(false);
  });

  it('reads every example prompt of world.json', () => {
    for (const prompt of WORLD.prompts) {
      const scene = parsePrompt(prompt);
      expect(scene.background, prompt).toBeDefined();
      expect(scene.objects.length, prompt).toBeGreaterThan(0);
      for (const o of scene.objects) expect(Object.keys(o).sort(), prompt).toEqual(['color', 'motion', 'shape']);
    }
  });
});

describe('describeScene', () => {
  it('says scenes in the words of world.json', () => {
    expect(describeScene(one('red', 'circle', 'left', 'black'))).toBe('a red circle moving left on a black background');
    expect(describeScene(one('orange', 'star', 'up', 'sunset', 2))).toBe(
      'two orange stars moving up over a sunset gradient',
    );
    expect(describeScene(one('pink', 'ring', 'still', 'ocean'))).toBe('a pink ring still over an ocean gradient');
    expect(describeScene(one('white', 'cross', 'growing', 'noise', 2))).toBe(
      'two white crosses growing on a noise background',
    );
  });

  it('is read back by parsePrompt for every sampled scene', () => {
    for (const scene of [...sampleScenes(1, 300, 'train'), ...sampleScenes(2, 100, 'heldout')]) {
      expect(parsePrompt(describeScene(scene))).toEqual(scene);
    }
    const mixed: Scene = {
      objects: [
        { color: 'red', shape: 'heart', motion: 'down' },
        { color: 'cyan', shape: 'diamond', motion: 'down' },
      ],
      background: 'checkerboard',
    };
    expect(parsePrompt(describeScene(mixed))).toEqual(mixed);
  });
});
