/**
 * A fixed-window request counter per API key, in memory. It is exact for one API node; with several
 * nodes each would allow the full limit, so a multi-node deployment needs a shared counter (e.g. a
 * PostgreSQL table upserted per key and window, or Redis INCR with EXPIRE) behind the same interface.
 */

/** Phosor's limit: 1000 requests per 60 s per key. */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

/** The defaults Phosor documents. */
export const PHOSOR_RATE_LIMIT: RateLimitOptions = { limit: 1000, windowMs: 60_000 };

/** Counts requests per key and says whether one more fits, and if not for how long to wait. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly options: RateLimitOptions = PHOSOR_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one request for `keyId`; returns 0 when allowed, else the seconds until the window resets. */
  hit(keyId: string): number {
    const now = this.now();
    let w = this.windows.get(keyId);
    if (!w || now - w.start >= this.options.windowMs) {
      if (this.windows.size > 10_000) this.prune(now);
      w = { start: now, count: 0 };
      this.windows.set(keyId, w);
    }
    if (w.count >= this.options.limit) return Math.max(1, Math.ceil((w.start + this.options.windowMs - now) / 1000));
    w.count += 1;
    return 0;
  }

  /** Drops expired windows so the map stays as large as the number of recently active keys. */
  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.options.windowMs) this.windows.delete(key);
  }
}
