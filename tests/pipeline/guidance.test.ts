import { describe, expect, it } from 'vitest';
import { applyGuidance, duplicateBatch } from '../../src/pipeline/guidance';

describe('classifier-free guidance', () => {
  it('duplicates latents along the batch', () => {
    expect(Array.from(duplicateBatch(new Float32Array([1, 2])))).toEqual([1, 2, 1, 2]);
  });

  it('combines uncond + g·(cond − uncond)', () => {
    expect(Array.from(applyGuidance(new Float32Array([1, 0, 3, -2]), 2.5))).toEqual([6, -5]);
  });

  it('returns the conditional prediction at g = 1', () => {
    expect(Array.from(applyGuidance(new Float32Array([1, 0, 3, -2]), 1))).toEqual([3, -2]);
  });
});
