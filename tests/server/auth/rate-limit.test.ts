import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../server/auth/rate-limit';

describe('RateLimiter', () => {
  describe('within the limit', () => {
    it('allows each key its own budget', () => {
      const limiter = new RateLimiter({ limit: 2, windowMs: 60_000 }, () => 0);
      expect([limiter.hit('a'), limiter.hit('a'), limiter.hit('b')]).toEqual([0, 0, 0]);
    });
  });

  describe('over the limit', () => {
    it('says how many seconds remain, then allows again in the next window', () => {
      let now = 1_000;
      const limiter = new RateLimiter({ limit: 2, windowMs: 60_000 }, () => now);
      limiter.hit('a');
      limiter.hit('a');
      now += 15_500;
      expect(limiter.hit('a')).toBe(45);
      now += 44_500;
      expect(limiter.hit('a')).toBe(0);
    });
  });
});
