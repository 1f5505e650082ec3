/**
 * A short-lived cache of jobs as their owners read them, for status polling: a hundred clients polling
 * as fast as they can would otherwise cost a database read each (on PGlite a single-threaded ~1 ms, the
 * whole budget). Within `ttlMs` a poll sees the job as it was at most that long ago, which no poller can
 * tell from its own polling interval; concurrent misses for one job share one read; this process's own
 * changes (cancel) are forgotten at once so their answer is current. Where the database has a write clock
 * (PGlite: this process is its only writer) a job is also kept for as long as nothing has written the
 * jobs table since it was read, up to QUIET_MS: queued jobs waiting behind a long one then cost no reads.
 */
import type { Queryable } from '../db/database';
import { QUIET_MS, type WriteClock } from '../db/write-clock';
import type { Job } from './job';
import { findUserJob } from './job-store';

/** The cache; `ttlMs` 0 turns it off. */
export class RecentJobs {
  private readonly entries = new Map<string, { job: Promise<Job | undefined>; at: number; version: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock?: WriteClock,
    private readonly maxEntries = 10_000,
  ) {}

  private fresh(hit: { at: number; version: number }, now: number): boolean {
    const age = now - hit.at;
    if (age < this.ttlMs) return true;
    return this.clock !== undefined && age < QUIET_MS && hit.version === this.clock.version('jobs');
  }

  /** The user's job, read at most `ttlMs` ago (unknown or another user's: undefined, never cached). */
  async find(db: Queryable, userId: string, jobId: string): Promise<Job | undefined> {
    if (this.ttlMs <= 0) return findUserJob(db, userId, jobId);
    const key = `${userId}\0${jobId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && this.fresh(hit, now)) return hit.job;
    // Taken before the read starts: a write that overlaps the read moves the clock past it.
    const version = this.clock?.version('jobs') ?? 0;
    const job = findUserJob(db, userId, jobId);
    this.entries.delete(key); // re-inserted last: the Map's order is then oldest first
    this.entries.set(key, { job, at: now, version });
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
