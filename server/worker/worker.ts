/**
 * The job worker: one claim loop per executor (a supervised inference process each), which claims queued
 * jobs one at a time and runs them; it also sweeps timeouts and recovers jobs that a crashed process
 * left `processing`. It runs in the process that owns the database: the server with PGlite, the server
 * or `npm run worker` processes with PostgreSQL, where several may share the queue.
 */
import type { Database } from '../db/database';
import { inProcessExecutor, type JobExecutor } from '../inference/job-executor';
import type { ExecuteDeps } from '../inference/execute-job';
import { claimNextJob } from '../jobs/queue';
import { EXECUTION_TIMEOUT_MS, QUEUE_TIMEOUT_MS, expireJobs, recoverOrphans } from '../jobs/sweeper';
import type { ImageFiles } from './job-image';
import { runJob, type RunJobDeps, type RunOutcome } from './run-job';
import type { Upstream } from '../upstream/config';
import { UpstreamClient } from '../upstream/client';
import type { ForwardDeps } from '../upstream/forward';

/** Worker settings; the defaults are Phosor's limits and production intervals. */
export interface WorkerOptions
  extends
    Partial<Pick<RunJobDeps, 'executionTimeoutMs' | 'heartbeatMs'>>,
    Partial<Pick<ExecuteDeps, 'generate' | 'encode'>> {
  db: Database;
  /**
   * Where jobs' inference runs, one claim loop each: the supervised worker processes. Absent, one loop
   * runs inference in this process (tests and tools only; `generate`/`encode` replace its stages).
   */
  executors?: JobExecutor[];
  /** Uploaded images and LoRA files for the in-process executor and for forwarding to upstreams. */
  files?: ImageFiles;
  /**
   * Upstream providers (UPSTREAMS): each gets `max_concurrent` claim loops of its own, which forward the
   * jobs whose route is on it. Every worker node of a deployment needs the same list.
   */
  upstreams?: readonly Upstream[];
  /** Download limits and the address policy for forwarded jobs' results (tests widen it). */
  forward?: Omit<ForwardDeps, 'files'>;
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
  const clients = new Map((options.upstreams ?? []).map((u) => [u.name, new UpstreamClient(u)]));
  const deps: RunJobDeps = {
    ...options,
    upstreams: clients,
    forward: { ...options.forward, files: options.files },
    executionTimeoutMs: options.executionTimeoutMs ?? EXECUTION_TIMEOUT_MS,
    heartbeatMs: options.heartbeatMs ?? 10_000,
    maxAttempts: options.maxAttempts ?? 2,
  };
  const executors = options.executors ?? [inProcessExecutor(options)];
  const timeouts = {
    queueTimeoutMs: options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS,
    executionTimeoutMs: deps.executionTimeoutMs,
  };
  const recovery = {
    staleAfterMs: options.staleAfterMs ?? 6 * deps.heartbeatMs,
    maxAttempts: deps.maxAttempts,
  };
  const pollMs = options.pollIntervalMs ?? 1000;
  // Often enough that a lost worker's job is back in the queue soon after it counts as lost.
  const sweepMs = options.sweepIntervalMs ?? Math.min(10_000, recovery.staleAfterMs / 3);
  const shutdown = new AbortController();
  // Each idle loop naps until its poll interval passes or a submit wakes it.
  const sleepers = new Set<() => void>();
  let woken = false;
  const wakeAll = () => {
    for (const done of [...sleepers]) done();
  };

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || shutdown.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
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

  const recover = async () => {
    try {
      // At start, before claiming: a job another run of this process left processing is lost.
      const startRecovery = options.recoverAllOnStart ?? options.db.kind === 'pglite';
      await recoverOrphans(options.db, startRecovery ? { ...recovery, staleAfterMs: 0 } : recovery);
      await expireJobs(options.db, timeouts);
    } catch (error) {
      console.error(`worker recovery: ${(error as Error).message}`);
    }
  };

  const loop = async (executor: JobExecutor | undefined, provider = 'local') => {
    while (!shutdown.signal.aborted) {
      try {
        woken = false;
        const job = await claimNextJob(options.db, provider);
        if (job) {
          // Not inside `onOutcome?.(…)`: an absent callback would skip evaluating its arguments, the run included.
          const outcome = await runJob(deps, executor, job, shutdown.signal);
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
  const upstreamLoops = (options.upstreams ?? []).flatMap((u) =>
    Array.from({ length: u.max_concurrent }, () => () => loop(undefined, u.name)),
  );
  const running = recover().then(() =>
    Promise.all([...executors.map((executor) => loop(executor)), ...upstreamLoops.map((start) => start())]),
  );

  return {
    wake() {
      woken = true;
      wakeAll();
    },
    async stop() {
      shutdown.abort();
      clearInterval(sweeper);
      wakeAll();
      await running;
      await sweeping;
    },
  };
}
