import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobCostMicro, microToCredits, PER_FRAME_MICRO, priceTier } from '../../src/shared/pricing';
import { PHOSOR_RESOLUTIONS } from '../../src/shared/video-rules';

describe('priceTier', () => {
  it.each(PHOSOR_RESOLUTIONS.map((r) => [r.width, r.height, r.tier] as const))('%i×%i is %s', (w, h, tier) => {
    expect(priceTier(w, h)).toBe(tier);
  });
  it.each([
    [256, 144, '480p'],
    [64, 64, '480p'],
    [960, 540, '720p'],
    [2560, 1440, '1080p'],
  ] as const)('a non-Phosor %i×%i bills at the tier that holds its short side: %s', (w, h, tier) => {
    expect(priceTier(w, h)).toBe(tier);
  });
});

describe('jobCostMicro', () => {
  // Golden values from Phosor's table, in credits, exact (micro-credit integers).
  it.each([
    [854, 480, 81, false, 0.162],
    [480, 854, 161, false, 0.322],
    [1280, 720, 81, false, 0.486],
    [720, 1280, 5, false, 0.03],
    [1920, 1080, 153, false, 1.836],
    [1080, 1920, 81, false, 0.972],
    [854, 480, 81, true, 0.2025],
    [1280, 720, 161, true, 1.2075],
    [1920, 1080, 153, true, 2.295],
    [64, 64, 5, false, 0.01],
    [64, 64, 5, true, 0.0125],
  ] as const)('%i×%i, %i frames, LoRA %s costs %f credits', (width, height, numFrames, withLora, credits) => {
    const micro = jobCostMicro({ width, height, numFrames, withLora });
    expect(Number.isSafeInteger(micro)).toBe(true);
    expect(microToCredits(micro)).toBe(credits);
  });

  it('is frames × per-frame price, ×5/4 with a LoRA, always a whole number of micro-credits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PHOSOR_RESOLUTIONS),
        fc.integer({ min: 1, max: 161 }),
        fc.boolean(),
        (r, numFrames, withLora) => {
          const plain = jobCostMicro({ width: r.width, height: r.height, numFrames, withLora: false });
          expect(plain).toBe(numFrames * PER_FRAME_MICRO[r.tier]);
          const cost = jobCostMicro({ width: r.width, height: r.height, numFrames, withLora });
          expect(Number.isSafeInteger(cost)).toBe(true);
          expect(cost * 4).toBe(withLora ? plain * 5 : plain * 4);
        },
      ),
    );
  });

  it('refuses a frame count that is not a positive integer', () => {
    expect(() => jobCostMicro({ width: 854, height: 480, numFrames: 0, withLora: false })).toThrow(RangeError);
    expect(() => jobCostMicro({ width: 854, height: 480, numFrames: 2.5, withLora: false })).toThrow(
      /positive integer/,
    );
  });
});
