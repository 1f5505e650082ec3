/** The frame edits: each against a clip whose every pixel says where it came from. */
import { describe, expect, it } from 'vitest';
import { editOpSchema } from '../../../src/shared/edit-ops';
import type { RawFrames } from '../../../src/shared/protocol';
import {
  applyFrameEdit,
  cropFrames,
  joinFrames,
  padFrames,
  padRect,
  resizeFrames,
  speedFrames,
  textFrames,
  trimFrames,
} from '../../../src/workers/video/edit-frames';

/** R = frame number, G = x, B = y, A = 255. */
function clip(width: number, height: number, numFrames: number): RawFrames {
  const rgba = new Uint8Array(width * height * numFrames * 4);
  for (let n = 0; n < numFrames; n++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) rgba.set([n, x, y, 255], ((n * height + y) * width + x) * 4);
  return { rgba, width, height, numFrames };
}
const px = (f: RawFrames, n: number, x: number, y: number) =>
  Array.from(f.rgba.subarray(((n * f.height + y) * f.width + x) * 4, ((n * f.height + y) * f.width + x) * 4 + 4));

describe('frame edits', () => {
  const source = clip(32, 16, 9);

  it('trims to frames [start, end) and refuses a range outside the clip, saying what fits', () => {
    const t = trimFrames(source, 2, 5);
    expect(t.numFrames).toBe(3);
    expect(px(t, 0, 3, 4)).toEqual([2, 3, 4, 255]);
    expect(px(t, 2, 0, 0)[0]).toBe(4);
    expect(() => trimFrames(source, 5, 10)).toThrow(/0 ≤ start < end ≤ 9/);
    expect(() => trimFrames(source, 4, 4)).toThrow(/InvalidParams|fit/);
  });

  it('changes speed by dropping or repeating frames at the same frame rate', () => {
    const fast = speedFrames(source, 2);
    expect(fast.numFrames).toBe(5); // round(9 / 2)
    expect([0, 1, 2, 3, 4].map((n) => px(fast, n, 0, 0)[0])).toEqual([0, 2, 4, 6, 8]);
    const slow = speedFrames(source, 0.5);
    expect(slow.numFrames).toBe(18);
    expect([0, 1, 2, 3, 17].map((n) => px(slow, n, 0, 0)[0])).toEqual([0, 0, 1, 1, 8]);
  });

  it('crops every frame and refuses a rectangle past the edge', () => {
    const c = cropFrames(source, 4, 2, 16, 10);
    expect([c.width, c.height, c.numFrames]).toEqual([16, 10, 9]);
    expect(px(c, 3, 0, 0)).toEqual([3, 4, 2, 255]);
    expect(px(c, 8, 15, 9)).toEqual([8, 19, 11, 255]);
    expect(() => cropFrames(source, 20, 0, 16, 16)).toThrow(/x \+ width ≤ 32/);
  });

  it('resizes bilinearly: a linear ramp stays a ramp, and the same size is the same clip', () => {
    expect(resizeFrames(source, 32, 16)).toBe(source);
    const up = resizeFrames(source, 64, 32);
    expect([up.width, up.height]).toEqual([64, 32]);
    // G = x: output pixel i samples source x = (i + 0.5) / 2 - 0.5, clamped to the edges.
    expect([0, 1, 2, 3, 63].map((i) => px(up, 0, i, 0)[1])).toEqual([0, 0, 1, 1, 31]);
    const down = resizeFrames(source, 16, 8);
    expect(px(down, 5, 3, 2)).toEqual([5, 7, 5, 255]);
  });

  it('merges clips in order after the first, each resized to its size', () => {
    const j = joinFrames(source, [clip(16, 8, 4), clip(32, 16, 2)]);
    expect([j.width, j.height, j.numFrames]).toEqual([32, 16, 15]);
    expect(px(j, 8, 5, 3)).toEqual([8, 5, 3, 255]); // the first clip's last frame
    expect(px(j, 9, 0, 0)[0]).toBe(0); // the second clip's first frame
    expect(px(j, 12, 0, 0)[0]).toBe(3); // … and its last
    expect(px(j, 14, 7, 2)).toEqual([1, 7, 2, 255]); // the third clip's last frame
    expect(() => applyFrameEdit(source, { op: 'join' })).toThrow(/at least one more clip/);
    // 9 + 2000 frames of 32×16 fit; the limit is in decoded bytes.
    const huge = { rgba: new Uint8Array(0), width: 32, height: 16, numFrames: 400_000 };
    expect(() => joinFrames(source, [huge])).toThrow(/too large to edit in the browser: merge fewer/);
  });

  describe('resize with padding', () => {
    it('fits the clip inside the size with its shape kept, centred', () => {
      // 32×16 (2:1) into 64×64: 64×32, bars of 16 above and below.
      expect(padRect(32, 16, 64, 64)).toEqual({ x: 0, y: 16, width: 64, height: 32 });
      // 16:9 into 4:3 (letterbox) and 4:3 into 16:9 (pillarbox).
      expect(padRect(1280, 720, 640, 480)).toEqual({ x: 0, y: 60, width: 640, height: 360 });
      expect(padRect(640, 480, 1920, 1080)).toEqual({ x: 240, y: 0, width: 1440, height: 1080 });
      // The same shape fills it.
      expect(padRect(64, 64, 128, 128)).toEqual({ x: 0, y: 0, width: 128, height: 128 });
    });

    it('paints the bars opaque black and the clip inside them', () => {
      const p = padFrames(source, 64, 64);
      expect([p.width, p.height, p.numFrames]).toEqual([64, 64, 9]);
      for (const [x, y] of [
        [0, 0],
        [63, 15],
        [30, 48],
        [63, 63],
      ])
        expect(px(p, 4, x!, y!)).toEqual([0, 0, 0, 255]);
      // Row 16 is the clip's first row, scaled 2×: G follows x / 2.
      expect(px(p, 4, 0, 16)).toEqual([4, 0, 0, 255]);
      expect(px(p, 7, 63, 47)).toEqual([7, 31, 15, 255]);
    });

    it("a recipe's fit picks pad or stretch", () => {
      const pad = editOpSchema.parse({ op: 'resize', width: 64, height: 64, fit: 'pad' });
      const old = editOpSchema.parse({ op: 'resize', width: 64, height: 64 });
      expect(pad.op === 'resize' && px(applyFrameEdit(source, pad), 0, 0, 0)).toEqual([0, 0, 0, 255]);
      // Recipes from before `fit` stretched: the corner is the clip's.
      expect(old.op === 'resize' && px(applyFrameEdit(source, old), 3, 0, 0)).toEqual([3, 0, 0, 255]);
    });
  });

  describe('the frames a timed text covers', () => {
    it('are those on screen from start until end', () => {
      // 16 frames at 8 fps (2 s): frame n shows from n / 8 s.
      expect(textFrames(16, 8, 0)).toEqual([0, 16]);
      expect(textFrames(16, 8, 0.5, 1)).toEqual([4, 8]);
      expect(textFrames(16, 8, 0.3, 0.7)).toEqual([3, 6]); // 0.375 s, 0.5 s and 0.625 s
      expect(textFrames(10, 10, 0.3, 0.6)).toEqual([3, 6]); // decimals that are not exact in binary
    });

    it('clamps the end to the clip and refuses a window that holds no frame', () => {
      expect(textFrames(16, 8, 1, 30)).toEqual([8, 16]);
      expect(() => textFrames(16, 8, 2)).toThrow('The text starts at 2 s, after the clip ends (2.00 s)');
      expect(() => textFrames(16, 8, 0.01, 0.1)).toThrow(/make the text last at least 0.13 s/);
    });
  });

  it('reads the ops through the shared schema, with messages a person can act on', () => {
    const trim = editOpSchema.parse({ op: 'trim', start: 0, end: 3 });
    expect(trim.op === 'trim' && applyFrameEdit(source, trim).numFrames).toBe(3);
    const odd = editOpSchema.safeParse({ op: 'resize', width: 33, height: 16 });
    expect(odd.success ? '' : odd.error.issues[0]!.message).toMatch(/must be even/);
    const fast = editOpSchema.safeParse({ op: 'speed', factor: 10 });
    expect(fast.success ? '' : fast.error.issues[0]!.message).toBe('The speed must be at most 4×');
    expect(editOpSchema.safeParse({ op: 'text', text: '  ', position: 'top' }).success).toBe(false);
  });
});
