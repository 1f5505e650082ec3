/**
 * A short-lived cache of jobs as their owners read them, for status polling: a hundred clients polling
 * as fast as they can would otherwise cost a database read each (on PGlite a single-threaded ~1 ms, the
 * whole budget). Within `ttlMs` a poll sees the job as it was at most that long ago, which no poller can
 * tell from its own polling interval; concurrent misses for one job share one read; this process's own
 * changes (cancel) are forgotten at once so their answer is current.
 */
import type { Queryable } from '../db/database';
import type { Job } from './job';
import { findUserJob } from './job-store';

/** The cache; `ttlMs` 0 turns it off. */
export class RecentJobs {
  private readonly entries = new Map<string, { job: Promise<Job | undefined>; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The user's job, read at most `ttlMs` ago (unknown or another user's: undefined, never cached). */
  async find(db: Queryable, userId: string, jobId: string): Promise<Job | undefined> {
    if (this.ttlMs <= 0) return findUserJob(db, userId, jobId);
    const key = `${userId}\0${jobId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.job;
    const job = findUserJob(db, userId, jobId);
    this.entries.delete(key); // re-inserted last: the Map's order is then oldest first
    this.entries.set(key, { job, at: now });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Misses and failures are not kept: a job that appears, or a database that recovers, shows at once.
    job.then(
      (found) => found === undefined && this.entries.get(key)?.job === job && this.entries.delete(key),
      () => this.entries.get(key)?.job === job && this.entries.delete(key),
    );
    return job;
  }

  /** Drops the job, so the next read is fresh (after this process changed it). */
  forget(userId: string, jobId: string): void {
    this.entries.delete(`${userId}\0${jobId}`);
  }
}
