/** The ground-truth renderer: deterministic bytes, any size and length, objects clear of the border band. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bandWidth } from '../../../models/world/background-match';
import { backgroundImage } from '../../../models/world/backgrounds';
import { placements, renderScene } from '../../../models/world/render';
import { parsePrompt, sampleScenes, type Scene } from '../../../models/world/scene';

const scene = (prompt: string) => parsePrompt(prompt) as Scene;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

describe('renderScene', () => {
  it('renders the same bytes in every run (golden hashes)', () => {
    const size = { width: 64, height: 48, numFrames: 5 };
    // Golden: a change here changes the training data and the evaluator's ground truth. Plain constants, not
    // inline snapshots, so `vitest -u` cannot rewrite them: update them by hand, on purpose only.
    expect(sha(renderScene(scene('two red stars moving up on a checkerboard background'), size))).toBe(
      '8b1d37cf2a74136d',
    );
    expect(sha(renderScene(scene('a blue heart growing over a sunset gradient'), size))).toBe('c3c0e6d887f2afd8');
    expect(sha(renderScene(scene('a yellow ring shrinking on a noise background'), size))).toBe('d01d712e445a36e9');
    expect(sha(renderScene(scene('a white cross moving left on a stripes background'), { ...size, jitter: 7 }))).toBe(
      '7fec246b0e6935d0',
    );
  });

  it.each([
    [256, 144, 17],
    [854, 480, 5],
    [480, 854, 3],
    [32, 32, 1],
  ])('renders %i×%i×%i RGBA frames, opaque', (width, height, numFrames) => {
    const frames = renderScene(scene('a green diamond moving right on a white background'), {
      width,
      height,
      numFrames,
    });
    expect(frames.length).toBe(numFrames * height * width * 4);
    for (let i = 3; i < frames.length; i += 4 * 97) expect(frames[i]).toBe(255);
  });

  it('moves, grows and shrinks objects over the clip as their motion says', () => {
    const at = (prompt: string, t: number) =>
      placements(scene(prompt), { width: 256, height: 144, numFrames: 17 }, t)[0]!;
    expect(at('a red circle moving left on a black background', 1).cx).toBeLessThan(
      at('a red circle moving left on a black background', 0).cx - 256 / 4,
    );
    expect(at('a red circle moving down on a black background', 1).cy).toBeGreaterThan(
      at('a red circle moving down on a black background', 0).cy + 144 / 4,
    );
    expect(at('a red circle growing on a black background', 1).radius).toBeCloseTo(
      2.2 * at('a red circle growing on a black background', 0).radius,
    );
    expect(at('a red circle still on a black background', 1)).toEqual(
      at('a red circle still on a black background', 0),
    );
  });

  it.each([
    [256, 144],
    [854, 480],
    [480, 854],
    [512, 512],
    [96, 160],
  ])('keeps every object off the border band and off each other at %i×%i', (width, height) => {
    const band = bandWidth(width, height);
    for (const [i, s] of sampleScenes(5, 60, 'train').entries()) {
      for (const t of [0, 0.5, 1]) {
        const ps = placements(s, { width, height, numFrames: 2, jitter: i }, t);
        for (const p of ps) {
          // 1.15 radii bound every shape (the square's corner is at 0.8·√2); one more pixel for anti-aliasing.
          const reach = 1.15 * p.radius + 1;
          expect(Math.min(p.cx - reach, p.cy - reach, width - p.cx - reach, height - p.cy - reach)).toBeGreaterThan(
            band,
          );
        }
        if (ps.length === 2)
          expect(Math.hypot(ps[0]!.cx - ps[1]!.cx, ps[0]!.cy - ps[1]!.cy)).toBeGreaterThan(
            1.15 * (ps[0]!.radius + ps[1]!.radius) + 2,
          );
      }
    }
  });

  it('leaves the background static and equal to its image', () => {
    const s = scene('two cyan squares moving up on a noise background');
    const [width, height, numFrames] = [120, 80, 5];
    const frames = renderScene(s, { width, height, numFrames });
    const bg = backgroundImage(s.background, width, height);
    for (let f = 0; f < numFrames; f++) {
      for (const [x, y] of [
        [0, 0],
        [119, 79],
        [60, 0],
        [0, 40],
      ]) {
        const p = ((f * height + y!) * width + x!) * 4;
        const q = (y! * width + x!) * 3;
        expect([frames[p], frames[p + 1], frames[p + 2]]).toEqual([0, 1, 2].map((c) => Math.floor(bg[q + c]! + 0.5)));
      }
    }
  });

  it('renders each of 256 held-out scenes with its objects on screen', () => {
    // (Its speed is not asserted here: a loaded machine would fail a timing; the training stream measures it.)
    for (const s of sampleScenes(9, 256, 'heldout')) {
      const frames = renderScene(s, { width: 256, height: 144, numFrames: 17 });
      expect(frames.length).toBe(256 * 144 * 17 * 4);
      const background = backgroundImage(s.background, 256, 144);
      let differ = 0;
      for (let i = 0, q = 0; q < background.length; i += 4, q += 3)
        if ([0, 1, 2].reduce((d, c) => d + Math.abs(frames[i + c]! - background[q + c]!), 0) > 30) differ++;
      expect(differ, s.objects.map((o) => o.shape).join(', ')).toBeGreaterThan(50);
    }
  });
});
