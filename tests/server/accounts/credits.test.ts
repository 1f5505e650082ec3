import { describe, expect, it } from 'vitest';
import { creditsToMicro, microToCredits, parseCredits } from '../../../server/accounts/credits';

describe('credit amounts', () => {
  describe('parseCredits', () => {
    it.each([
      ['100', 100_000_000],
      ['2.5', 2_500_000],
      ['-0.000001', -1],
      ['0.1', 100_000],
    ])('%s is %i micro-credits exactly', (text, micro) => expect(parseCredits(text)).toBe(micro));
    it.each(['', 'ten', '1e3', '0.0000001', '1.'])('refuses %j with the rule', (text) =>
      expect(() => parseCredits(text)).toThrow(/at most 6 decimals/),
    );
  });

  describe('creditsToMicro', () => {
    it('absorbs float noise and keeps Phosor prices exact', () => {
      expect(creditsToMicro(0.1)).toBe(100_000);
      // 81 frames of 480p with a LoRA: 81 × 0.002 × 1.25 = 0.2025 credits.
      expect(creditsToMicro(81 * 0.002 * 1.25)).toBe(202_500);
      expect(microToCredits(202_500)).toBe(0.2025);
    });
    it('refuses sub-micro amounts', () => expect(() => creditsToMicro(0.0000001)).toThrow(RangeError));
  });
});
