/**
 * Writes a running job's progress to the database without slowing the pipeline: writes are serialised,
 * coalesced to the latest value, and double as heartbeats. When a write finds the claim gone (timeout,
 * cancel, recovery) it calls `onLost`, which aborts the job.
 */
import type { Database } from '../db/database';
import type { Job } from '../jobs/job';
import { reportProgress } from '../jobs/queue';

/** A progress sink for one claimed job. */
export interface ProgressWriter {
  /** Records a new value (ignored unless it is higher). */
  set(progress: number): void;
  /** Re-sends the current value, so the job's heartbeat stays fresh during a long step. */
  heartbeat(): void;
  /** Waits for the last write. */
  flush(): Promise<void>;
}

/** A writer for `job` that calls `onLost` once if the job stops being this worker's. */
export function progressWriter(db: Database, job: Job, onLost: () => void): ProgressWriter {
  let current = 0;
  let written = -1;
  let chain: Promise<void> = Promise.resolve();
  let pending = false;
  const write = (force: boolean) => {
    if (pending || (!force && current === written)) return;
    pending = true;
    chain = chain.then(async () => {
      pending = false;
      const value = current;
      try {
        if (!(await reportProgress(db, job, value))) onLost();
        written = value;
      } catch (error) {
        // A failed progress write must not fail the job; the next one or the heartbeat retries.
        console.error(`job ${job.id}: progress write failed: ${(error as Error).message}`);
      }
    });
  };
  return {
    set(progress) {
      if (progress <= current) return;
      current = progress;
      write(false);
    },
    heartbeat: () => write(true),
    flush: () => chain,
  };
}
