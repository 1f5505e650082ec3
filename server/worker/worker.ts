/**
 * The in-process worker: claims queued jobs one at a time and runs them, sweeps timeouts, and recovers
 * jobs that a crashed process left `processing`. Several processes may run one each against PostgreSQL.
 */
import type { Database } from '../db/database';
import { claimNextJob } from '../jobs/queue';
import { EXECUTION_TIMEOUT_MS, QUEUE_TIMEOUT_MS, expireJobs, recoverOrphans } from '../jobs/sweeper';
import { runJob, type RunJobDeps, type RunOutcome } from './run-job';

/** Worker settings; the defaults are Phosor's limits and production intervals. */
export interface WorkerOptions extends Partial<
  Pick<RunJobDeps, 'executionTimeoutMs' | 'heartbeatMs' | 'files' | 'generate' | 'encode'>
> {
  db: Database;
  registry: RunJobDeps['registry'];
  storage: RunJobDeps['storage'];
  queueTimeoutMs?: number;
  /** How long an idle worker waits before looking at the queue again (a submit in this process wakes it sooner). */
  pollIntervalMs?: number;
  /** How often timeouts and lost workers are swept. */
  sweepIntervalMs?: number;
  /** On PostgreSQL, a processing job without a heartbeat for this long has lost its worker (default 6 heartbeats). */
  staleAfterMs?: number;
  /** Claims a lost job gets before it is failed and refunded instead of re-queued. */
  maxAttempts?: number;
  /**
   * Treat every `processing` job as lost at start. True for PGlite, whose lock file proves that no other
   * process runs; with PostgreSQL other workers may be alive, so only stale heartbeats count.
   */
  recoverAllOnStart?: boolean;
  /** Called after each run, for logs and tests. */
  onOutcome?(jobId: string, outcome: RunOutcome): void;
}

/** A running worker. */
export interface JobWorker {
  /** Looks at the queue now (call after a submit). */
  wake(): void;
  /** Stops claiming; a running job is aborted and put back in the queue. Resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** Starts the worker loop; it runs until `stop()`. */
export function startWorker(options: WorkerOptions): JobWorker {
  const deps: RunJobDeps = {
    ...options,
    executionTimeoutMs: options.executionTimeoutMs ?? EXECUTION_TIMEOUT_MS,
    heartbeatMs: options.heartbeatMs ?? 10_000,
  };
  const timeouts = {
    queueTimeoutMs: options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS,
    executionTimeoutMs: deps.executionTimeoutMs,
  };
  const recovery = {
    staleAfterMs: options.staleAfterMs ?? 6 * deps.heartbeatMs,
    maxAttempts: options.maxAttempts ?? 2,
  };
  const pollMs = options.pollIntervalMs ?? 1000;
  const sweepMs = options.sweepIntervalMs ?? 10_000;
  const shutdown = new AbortController();
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || shutdown.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  // Timeouts are swept on their own timer: a claim loop busy with a long job must not delay them.
  let sweeping: Promise<void> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping
      .then(async () => {
        // On PGlite this process is the only worker (the lock file), so nothing can be lost while it runs.
        if (options.db.kind === 'postgres') await recoverOrphans(options.db, recovery);
        await expireJobs(options.db, timeouts);
      })
      .catch((error: Error) => console.error(`worker sweep: ${error.message}`));
  };
  const sweeper = setInterval(sweep, sweepMs);

  const loop = async () => {
    try {
      // At start, before claiming: a job another run of this process left processing is lost.
      const startRecovery = options.recoverAllOnStart ?? options.db.kind === 'pglite';
      await recoverOrphans(options.db, startRecovery ? { ...recovery, staleAfterMs: 0 } : recovery);
      await expireJobs(options.db, timeouts);
    } catch (error) {
      console.error(`worker recovery: ${(error as Error).message}`);
    }
    while (!shutdown.signal.aborted) {
      try {
        woken = false;
        const job = await claimNextJob(options.db);
        if (job) {
          // Not inside `onOutcome?.(…)`: an absent callback would skip evaluating its arguments, the run included.
          const outcome = await runJob(deps, job, shutdown.signal);
          options.onOutcome?.(job.id, outcome);
          continue;
        }
        await nap(pollMs);
      } catch (error) {
        // A database hiccup must not kill the worker: log, back off, try again.
        console.error(`worker: ${(error as Error).message}`);
        await nap(pollMs);
      }
    }
  };
  const running = loop();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      shutdown.abort();
      clearInterval(sweeper);
      wakeUp?.();
      await running;
      await sweeping;
    },
  };
}
