import { describe, expect, it } from 'vitest';
import { frameIndices } from '../../../src/ui/history/frames';

describe('frameIndices', () => {
  it('takes the first, middle and last frame', () => {
    expect(frameIndices('first', 81, 16)).toEqual([0]);
    expect(frameIndices('middle', 81, 16)).toEqual([40]);
    expect(frameIndices('middle', 4, 16)).toEqual([1]);
    expect(frameIndices('last', 81, 16)).toEqual([80]);
  });

  it('takes one frame at the start of every second the clip lasts', () => {
    expect(frameIndices('all_1fps', 81, 16)).toEqual([0, 16, 32, 48, 64, 80]);
    expect(frameIndices('all_1fps', 80, 16)).toEqual([0, 16, 32, 48, 64]);
    expect(frameIndices('all_1fps', 5, 16)).toEqual([0]);
  });
});
