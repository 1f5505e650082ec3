import { describe, expect, it } from 'vitest';
import { isAlignedFrameCount, nearestAlignedFrameCounts, PHOSOR_RESOLUTIONS } from '../../src/shared/video-rules';

describe('frame alignment', () => {
  it.each([5, 9, 17, 81, 161])('%i frames are 1 + 4k', (n) => expect(isAlignedFrameCount(n)).toBe(true));
  it.each([1, 4, 6, 16, 80, 8.5])('%s frames are not', (n) => expect(isAlignedFrameCount(n)).toBe(false));

  it('names the aligned counts around a bad one', () => {
    expect(nearestAlignedFrameCounts(16)).toEqual([13, 17]);
    expect(nearestAlignedFrameCounts(3)).toEqual([5, 9]);
    expect(nearestAlignedFrameCounts(7, 2)).toEqual([7, 9]);
  });

  it('keeps every Phosor preset’s frame limit aligned', () => {
    for (const r of PHOSOR_RESOLUTIONS) expect(isAlignedFrameCount(r.maxFrames)).toBe(true);
  });
});
