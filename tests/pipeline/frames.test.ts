import { describe, expect, it } from 'vitest';
import { frameCollector, frameRgbaFromVideo, videoFromImage, withAllFrames } from '../../src/pipeline/frames';

describe('frameRgbaFromVideo', () => {
  it('maps [-1, 1] to bytes, crops the padding and interleaves RGBA frame after frame', () => {
    // [1, 3, 2 frames, 2 rows, 3 cols], cropped to 2×1: values encode channel, frame, row, col.
    const dims = [1, 3, 2, 2, 3];
    const video = new Float32Array(36);
    for (let c = 0; c < 3; c++)
      for (let f = 0; f < 2; f++)
        for (let y = 0; y < 2; y++)
          for (let x = 0; x < 3; x++) {
            video[((c * 2 + f) * 2 + y) * 3 + x] = c === 0 ? -1 : c === 1 ? 1 : f === 0 ? 0 : x === 0 ? 5 : Number.NaN;
          }
    const frames = frameRgbaFromVideo(video, dims, 2, 1);
    expect(frames).toMatchObject({ width: 2, height: 1, numFrames: 2 });
    // frame 0: B = 0 → 127.5 → 128 (round half to even); frame 1: B = 5 → 255, NaN → 0.
    expect(Array.from(frames.rgba)).toEqual([0, 255, 128, 255, 0, 255, 128, 255, 0, 255, 255, 255, 0, 255, 0, 255]);
  });

  it('refuses a decoder output that is not [1, 3, F, H, W]', () => {
    expect(() => frameRgbaFromVideo(new Float32Array(4), [1, 4, 1, 1, 1], 1, 1)).toThrow(/expected \[1, 3, F, H, W\]/);
  });
});

describe('videoFromImage', () => {
  it('maps bytes to [-1, 1] planes and pads right and bottom with the edge pixels', () => {
    // 2×1 RGBA: (0, 255, 51) and (255, 0, 102), padded to 3×2.
    const image = { rgba: Uint8Array.from([0, 255, 51, 9, 255, 0, 102, 9]), width: 2, height: 1 };
    const { video, dims } = videoFromImage(image, 3, 2);
    expect(dims).toEqual([1, 3, 1, 2, 3]);
    const r = Array.from(video.subarray(0, 6));
    expect(r).toEqual([-1, 1, 1, -1, 1, 1]);
    expect(video[6]).toBe(1);
    expect(video[12]).toBeCloseTo(51 / 127.5 - 1, 6);
    expect(video[17]).toBeCloseTo(102 / 127.5 - 1, 6);
  });

  it('round-trips through frameRgbaFromVideo', () => {
    const rgba = Uint8Array.from({ length: 4 * 3 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) & 255));
    const { video, dims } = videoFromImage({ rgba, width: 4, height: 3 }, 8, 8);
    expect(frameRgbaFromVideo(video, dims, 4, 3).rgba).toEqual(rgba);
  });
});

describe('frameCollector', () => {
  const chunk = (first: number, count: number, numFrames = 3) => ({
    rgba: new Uint8Array(count * 4).fill(first + 1),
    width: 1,
    height: 1,
    numFrames,
    first,
    count,
  });

  it('gathers chunks in order into one clip', () => {
    const c = frameCollector();
    void c.sink(chunk(0, 1));
    void c.sink(chunk(1, 2));
    expect([...c.frames().rgba]).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('keeps a whole clip handed over in one chunk without copying it', () => {
    const c = frameCollector();
    const whole = chunk(0, 3);
    void c.sink(whole);
    expect(c.frames().rgba).toBe(whole.rgba);
  });

  it('refuses a chunk out of order or short of bytes, and a clip that is missing frames', () => {
    const c = frameCollector();
    expect(() => c.sink(chunk(1, 1))).toThrow(/frames 1…1 arrived out of order or short/);
    expect(() => c.sink({ ...chunk(0, 1), count: 2 })).toThrow(/out of order or short/);
    void c.sink(chunk(0, 1));
    expect(() => c.frames()).toThrow(/handed over 1 of 3 frames/);
  });

  it('withAllFrames returns a streamed result with every frame', async () => {
    const result = await withAllFrames(async (sink) => {
      await sink(chunk(0, 1, 2));
      await sink(chunk(1, 1, 2));
      return { frames: { width: 1, height: 1, numFrames: 2 }, seed: 5 };
    });
    expect(result.seed).toBe(5);
    expect([...result.frames.rgba]).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
  });
});
