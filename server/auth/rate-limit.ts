/**
 * Fixed-window request counters in the database, so a limit holds exactly however many API nodes share
 * it: each request upserts its subject's row (a window starts at the first request after the last one
 * ended, by the database clock) and reads the count back in the same statement. Limits count per user, not per key (ten keys do not buy ten
 * budgets), and requests whose key failed count per address. A subject found over its limit is
 * remembered in memory until its window ends, so a client hammering a limit costs no database work.
 */
import type { Database } from '../db/database';

/** Requests per window. */
export interface RateLimitOptions {
  /** Per user (Phosor's 1000). */
  limit: number;
  windowMs: number;
  /** Requests with a well-formed but unknown or revoked key, per client address (default 60). */
  failedAuthLimit?: number;
}

/** The defaults Phosor documents (its limit is per key; ours is per user). */
export const PHOSOR_RATE_LIMIT: RateLimitOptions = { limit: 1000, windowMs: 60_000 };

/** Failed authentications a client address may make per window, when not configured. */
export const FAILED_AUTH_LIMIT = 60;

// Old windows are deleted by every few-hundredth request, not by a timer, so an idle node does nothing.
const PRUNE_EVERY = 500;

/** Counts requests per subject (in the database on PostgreSQL, in memory on PGlite) and says whether one more fits. */
export class RateLimiter {
  private readonly blockedUntil = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; hits: number }>();
  private hits = 0;

  constructor(
    private readonly db: Database,
    readonly options: RateLimitOptions = PHOSOR_RATE_LIMIT,
  ) {}

  /** The per-address limit of failed authentications. */
  get failedAuthLimit(): number {
    return this.options.failedAuthLimit ?? FAILED_AUTH_LIMIT;
  }

  /** Seconds until `subject` may try again when it is known to be over its limit, else 0; no database work. */
  blocked(subject: string): number {
    const until = this.blockedUntil.get(subject);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.max(1, Math.ceil(left / 1000));
    this.blockedUntil.delete(subject);
    return 0;
  }

  /** Records one request of `subject` against `limit`; returns 0 when allowed, else the seconds until the window ends. */
  async hit(subject: string, limit = this.options.limit): Promise<number> {
    const cached = this.blocked(subject);
    if (cached) return cached;
    const { hits, leftMs } = this.db.kind === 'pglite' ? this.countHere(subject) : await this.countShared(subject);
    if (hits <= limit) return 0;
    if (this.blockedUntil.size > 10_000) this.blockedUntil.clear();
    this.blockedUntil.set(subject, Date.now() + leftMs);
    return Math.max(1, Math.ceil(leftMs / 1000));
  }

  /**
   * PGlite: this process is the only one (its lock file proves it), so the count lives in memory and a
   * request costs no database write; the window rule is the same as the shared one's.
   */
  private countHere(subject: string): { hits: number; leftMs: number } {
    const now = Date.now();
    let window = this.windows.get(subject);
    if (!window || now - window.start >= this.options.windowMs) {
      if (this.windows.size > 100_000) this.windows.clear();
      window = { start: now, hits: 0 };
      this.windows.set(subject, window);
    }
    window.hits++;
    return { hits: window.hits, leftMs: Math.max(1, window.start + this.options.windowMs - now) };
  }

  /** PostgreSQL: one row per subject shared by every API node, upserted and read back in one statement. */
  private async countShared(subject: string): Promise<{ hits: number; leftMs: number }> {
    // $2 is the window in ms; a row whose window has ended starts a new one at this request.
    const ended = `rate_windows.window_start <= now() - $2::double precision * interval '1 millisecond'`;
    const { rows } = await this.db.query<{ hits: unknown; left_ms: unknown }>(
      `INSERT INTO rate_windows (subject, window_start, hits) VALUES ($1, now(), 1)
       ON CONFLICT (subject) DO UPDATE SET
         window_start = CASE WHEN ${ended} THEN now() ELSE rate_windows.window_start END,
         hits = CASE WHEN ${ended} THEN 1 ELSE rate_windows.hits + 1 END
       RETURNING hits,
         extract(epoch FROM window_start + $2::double precision * interval '1 millisecond' - now()) * 1000 AS left_ms`,
      [subject, this.options.windowMs],
    );
    if (++this.hits % PRUNE_EVERY === 0) void this.prune();
    return { hits: Number(rows[0]!.hits), leftMs: Math.max(1, Number(rows[0]!.left_ms)) };
  }

  private async prune(): Promise<void> {
    await this.db
      .query(`DELETE FROM rate_windows WHERE window_start < now() - $1::double precision * interval '1 millisecond'`, [
        2 * this.options.windowMs,
      ])
      .catch(() => undefined); // the next prune retries; a stale row only costs disk
  }
}
