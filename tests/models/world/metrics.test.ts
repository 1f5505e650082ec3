/** PSNR and flicker on clips whose answers are known. */
import { describe, expect, it } from 'vitest';
import { frameOf, flicker, judder, psnr } from '../../../models/world/metrics';
import { renderScene } from '../../../models/world/render';
import { parsePrompt, type Scene } from '../../../models/world/scene';
import { detectScene } from '../../../models/world/detect';

const size = { width: 128, height: 72, numFrames: 9 };
const clip = (prompt: string) => ({ rgba: renderScene(parsePrompt(prompt) as Scene, size), ...size });

describe('psnr', () => {
  it('is infinite for identical frames', () => {
    const a = clip('a red circle still on a gray background');
    expect(psnr(frameOf(a, 0), frameOf(a, 0).slice())).toBe(Infinity);
  });

  it('is 10·log10(255² / σ²) for noise of known power (±10 on every channel: 28.13 dB)', () => {
    const a = frameOf(clip('a red circle still on a gray background'), 0);
    const b = a.map((v, i) => ((i & 3) === 3 ? v : v + (i % 2 ? 10 : -10)));
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10((255 * 255) / 100), 6);
    expect(psnr(a, b)).toBeCloseTo(28.13, 2);
  });

  it('refuses buffers of different sizes', () => {
    expect(() => psnr(new Uint8Array(8), new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('flicker', () => {
  it('is 0 for a static render, and for a moving object outside its own pixels', () => {
    const still = clip('a blue square still on a checkerboard background');
    expect(flicker(still)).toBe(0);
    const moving = clip('two yellow stars moving up over a sunset gradient');
    expect(flicker(moving)).toBeGreaterThan(0);
    expect(flicker(moving, detectScene(moving).foreground)).toBe(0);
  });

  it('is the mean absolute change between consecutive frames', () => {
    const c = clip('a blue square still on a gray background');
    const rgba = c.rgba.slice();
    const plane = size.width * size.height * 4;
    // Frame 4 brighter by 6 on every channel: two transitions of 6 among eight.
    for (let i = 4 * plane; i < 5 * plane; i++) if ((i & 3) !== 3) rgba[i] = rgba[i]! + 6;
    expect(flicker({ ...c, rgba })).toBeCloseTo((2 * 6) / 8, 9);
  });
});

describe('judder', () => {
  it('is near 0 for the world’s own even motion, and the jump size for motion held and then jumped', () => {
    const moving = clip('two yellow stars moving up over a sunset gradient');
    expect(judder(moving)).toBeLessThan(1); // 0.50: the stars turn as they move
    // Each frame replaced by the first of its group of 4 (what a tubelet decoder that draws stills does).
    const plane = size.width * size.height * 4;
    const held = moving.rgba.slice();
    for (let f = 1; f < moving.numFrames; f++) {
      const keep = f - ((f - 1) % 4);
      held.set(moving.rgba.subarray(keep * plane, (keep + 1) * plane), f * plane);
    }
    expect(judder({ ...moving, rgba: held })).toBeGreaterThan(4 * judder(moving));
  });
});
