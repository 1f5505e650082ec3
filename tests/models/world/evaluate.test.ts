/**
 * The evaluator on ground truth: it must read the renderer's clips right (≥ 98 % per attribute) at
 * the smallest preset and at 480p, and stay right under noise and blur, before its verdict on a
 * model's clips means anything.
 */
import { describe, expect, it } from 'vitest';
import { renderScene } from '../../../models/world/render';
import { sampleScenes, type Scene } from '../../../models/world/scene';
import { ATTRIBUTES, scoreClip, summarise } from '../../../models/world/evaluate';
import { mulberry32 } from '../../../models/world/split';
import { accuracyByWord } from '../../../models/world/report';

const clipOf = (scene: Scene, width: number, height: number, numFrames: number, jitter?: number) => ({
  rgba: renderScene(scene, { width, height, numFrames, jitter }),
  width,
  height,
  numFrames,
});

/** A 3×3 box blur plus Gaussian noise of `sigma`: roughly what a decoder's output looks like. */
function degrade(clip: ReturnType<typeof clipOf>, sigma: number, seed: number): ReturnType<typeof clipOf> {
  const { rgba, width: w, height: h } = clip;
  const random = mulberry32(seed);
  const out = new Uint8Array(rgba.length);
  for (let i = 0; i < rgba.length; i++) {
    if ((i & 3) === 3) {
      out[i] = 255;
      continue;
    }
    const p = i >> 2;
    const x = p % w;
    const y = Math.floor(p / w) % h;
    let sum = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const xx = Math.min(w - 1, Math.max(0, x + dx));
        const yy = Math.min(h - 1, Math.max(0, y + dy));
        sum += rgba[i + ((yy - y) * w + (xx - x)) * 4]!;
      }
    }
    const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) * sigma;
    out[i] = Math.max(0, Math.min(255, Math.round(sum / 9 + noise)));
  }
  return { ...clip, rgba: out };
}

describe('scoreClip on rendered ground truth', () => {
  it('reads 200 held-out scenes at 256×144×17 with ≥ 98 % per attribute', () => {
    const results = sampleScenes(2026, 200, 'heldout').map((s, i) =>
      scoreClip(s, clipOf(s, 256, 144, 17, i % 2 ? i : undefined)),
    );
    const { accuracy } = summarise(results);
    for (const a of ATTRIBUTES) expect(accuracy[a], a).toBeGreaterThanOrEqual(0.98);
  });

  it('reads scenes at 854×480 and 480×854', () => {
    const scenes = sampleScenes(480, 6, 'heldout');
    const results = scenes.map((s, i) =>
      i % 2 ? scoreClip(s, clipOf(s, 480, 854, 9)) : scoreClip(s, clipOf(s, 854, 480, 9)),
    );
    for (const a of ATTRIBUTES) expect(summarise(results).accuracy[a], a).toBe(1);
  });

  it('still reads blurred, noisy clips (σ = 12)', () => {
    const results = sampleScenes(77, 30, 'heldout').map((s, i) => scoreClip(s, degrade(clipOf(s, 256, 144, 9), 12, i)));
    const { accuracy } = summarise(results);
    for (const a of ATTRIBUTES) expect(accuracy[a], a).toBeGreaterThanOrEqual(0.95);
  });

  it('reports what it saw, and a flat clip as no objects', () => {
    const scene: Scene = {
      objects: [
        { color: 'red', shape: 'star', motion: 'right' },
        { color: 'red', shape: 'star', motion: 'right' },
      ],
      background: 'ocean',
    };
    const seen = scoreClip(scene, clipOf(scene, 256, 144, 17));
    expect(seen.detected).toEqual({ background: 'ocean', count: 2, objects: scene.objects });
    expect(seen.flicker).toBe(0);
    const empty = scoreClip(scene, clipOf({ ...scene, objects: [] }, 256, 144, 5));
    expect(empty.correct).toEqual({ background: true, count: false, color: false, shape: false, motion: false });
  });

  it('scores two different objects in either order', () => {
    const scene: Scene = {
      objects: [
        { color: 'red', shape: 'circle', motion: 'left' },
        { color: 'blue', shape: 'triangle', motion: 'left' },
      ],
      background: 'white',
    };
    const swapped = { ...scene, objects: [scene.objects[1]!, scene.objects[0]!] };
    expect(Object.values(scoreClip(scene, clipOf(swapped, 256, 144, 9)).correct).every(Boolean)).toBe(true);
  });

  it('reads a clip of many small blobs per frame (a broken model) as wrong, without trying n! trackings', () => {
    const scene: Scene = { objects: [{ color: 'red', shape: 'circle', motion: 'left' }], background: 'black' };
    const [w, h, frames] = [256, 144, 5];
    const rgba = new Uint8Array(w * h * 4 * frames);
    // A 6 × 4 grid of white 8 × 8 squares on black in every frame: 24 blobs, 24! orderings.
    for (let f = 0; f < frames; f++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = ((f * h + y) * w + x) * 4;
          const on = x % 40 >= 10 && x % 40 < 18 && y % 36 >= 10 && y % 36 < 18;
          rgba.fill(on ? 255 : 0, o, o + 3);
          rgba[o + 3] = 255;
        }
    const score = scoreClip(scene, { rgba, width: w, height: h, numFrames: frames });
    expect(score.detected.count).toBeGreaterThan(4);
    expect(score.correct).toMatchObject({ count: false, color: false, shape: false, motion: false });
  });
});

describe('accuracyByWord', () => {
  const clip = (prompt: string, motion: boolean, shape = true) => ({
    prompt,
    correct: { background: true, count: true, color: true, shape, motion },
  });
  it('counts each clip under the word its prompt asked for, most asked first', () => {
    const clips = [
      clip('a red circle moving up on a black background', false),
      clip('two blue stars moving up over a sunset gradient', true, false),
      clip('a red circle moving left on a black background', true),
      clip('a green ring still on a white background', true),
      clip('a green ring rising on a white background', false),
    ];
    expect(accuracyByWord(clips, 'motion')).toEqual([
      ['up', 1, 3],
      ['left', 1, 1],
      ['still', 1, 1],
    ]);
    expect(accuracyByWord(clips, 'shape')).toEqual([
      ['circle', 2, 2],
      ['ring', 2, 2],
      ['star', 0, 1],
    ]);
  });
});
