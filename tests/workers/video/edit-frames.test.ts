/** The frame edits: each against a clip whose every pixel says where it came from. */
import { describe, expect, it } from 'vitest';
import { editOpSchema } from '../../../src/shared/edit-ops';
import type { RawFrames } from '../../../src/shared/protocol';
import {
  applyFrameEdit,
  cropFrames,
  joinFrames,
  resizeFrames,
  speedFrames,
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

  it('joins a second clip after the first, resized to its size', () => {
    const j = joinFrames(source, clip(16, 8, 4));
    expect([j.width, j.height, j.numFrames]).toEqual([32, 16, 13]);
    expect(px(j, 9, 0, 0)[0]).toBe(0); // the second clip's first frame
    expect(() => applyFrameEdit(source, { op: 'join' })).toThrow(/second clip/);
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
