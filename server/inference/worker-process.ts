/**
 * One supervised inference worker process, seen from the process that owns the database: forks it
 * (with tsx, so it runs the TypeScript sources), hands it one job at a time, watches its memory against
 * the budget and replaces it when it dies. A death mid-job rejects that job's run with
 * `WorkerCrashedError`, or `WorkerOutOfMemoryError` when the supervisor killed it for memory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { InferenceFailedError, WorkerCrashedError, WorkerOutOfMemoryError, formatMb } from './errors';
import { sampleMemory } from './memory-sample';
import type { FromWorker, InferenceRequest, ToWorker } from './protocol';
import type { JobExecutor, ExecuteRun } from './job-executor';

const ENTRY = fileURLToPath(new URL('./inference-worker.ts', import.meta.url));
/** tsx's loader by absolute URL, so a server started from another folder still finds it. */
const TSX_LOADER = import.meta.resolve('tsx');
/** The niceness of worker processes (the API runs at 0). */
const WORKER_NICENESS = 10;

/** Settings of one worker process. */
export interface WorkerProcessOptions {
  /** Memory the process may use, in MB; over it the process is killed and its job fails `out_of_memory`. */
  memoryBudgetMb: number;
  /** How often its memory is read (default 100 ms). */
  memoryPollMs?: number;
  /** Uploads and LoRAs (`DATA_DIR/files`), which the worker reads itself. */
  filesDir?: string;
  /** Idle time after which the worker releases its loaded pipelines (default 300 s). */
  idleMs?: number;
  /** How long an aborted job may take to stop before the process is killed (default 5 s). */
  abortGraceMs?: number;
  /** Where deaths and restarts are reported. */
  log: WorkerLog;
}

/** The log lines a supervisor writes. */
export interface WorkerLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

interface Running {
  jobId: string;
  run: ExecuteRun;
  resolve(mp4: Uint8Array): void;
  reject(error: Error): void;
}

/** One worker process as /system-info shows it. */
export interface WorkerState {
  /** null while no process runs (not started yet, or being replaced). */
  pid: number | null;
  busy: boolean;
  /** The last resident memory sample, MB (sampled every 100 ms). */
  rssMb: number | null;
}

/** A supervised worker process; also a `JobExecutor` for one claim loop. */
export class WorkerProcess implements JobExecutor {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private running: Running | undefined;
  private lastRssMb: number | undefined;
  private overBudget: { rssMb: number } | undefined;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;
  private failedStarts = 0;

  constructor(private readonly options: WorkerProcessOptions) {}

  /** The process id of the current worker process, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** What the process is doing now, for /system-info. */
  state(): WorkerState {
    return {
      pid: this.child?.pid ?? null,
      busy: this.running !== undefined,
      rssMb: this.lastRssMb === undefined ? null : Math.round(this.lastRssMb),
    };
  }

  /** Starts the process now rather than on the first job (so the first job does not wait for it). */
  start(): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(new Error('This inference worker is closed.'));
    this.ready ??= this.spawn();
    return this.ready;
  }

  /** Runs one job in the process; see the class comment for how a death is reported. */
  async execute(jobId: string, request: InferenceRequest, run: ExecuteRun): Promise<Uint8Array> {
    const child = await this.start();
    run.signal.throwIfAborted();
    return new Promise<Uint8Array>((resolve, reject) => {
      this.running = { jobId, run, resolve, reject };
      let grace: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.send({ type: 'abort', jobId });
        // A pipeline stuck in one long native call cannot see the abort: end the process after a grace period.
        grace = setTimeout(() => child.kill('SIGKILL'), this.options.abortGraceMs ?? 5000);
        grace.unref();
      };
      run.signal.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          // The process stopped this job itself, so the grace kill must not hit its next one.
          clearTimeout(grace);
          run.signal.removeEventListener('abort', onAbort);
          this.running = undefined;
          fn(value);
        };
      this.running.resolve = settle(resolve);
      this.running.reject = settle(reject);
      this.send({ type: 'run', jobId, request });
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after 2 s) and starts no other. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
  }

  private send(message: ToWorker): void {
    this.child?.send(message);
  }

  private spawn(): Promise<ChildProcess> {
    const child = fork(ENTRY, [], {
      // tsx's loader runs the .ts entry; the parent's own flags (vitest's, inspector) are not inherited.
      execArgv: ['--import', TSX_LOADER],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        PHOSPHENE_FILES_DIR: this.options.filesDir ?? '',
        INFERENCE_IDLE_MS: String(this.options.idleMs ?? 300_000),
        WORKER_MEMORY_MB: String(this.options.memoryBudgetMb),
      },
    });
    this.child = child;
    // A send to a process that just died fails here; its 'exit' reports the death, so this only logs.
    child.on('error', (error) =>
      this.options.log.error({ pid: child.pid, err: error.message }, 'inference worker error'),
    );
    // Below the API's priority: on a busy machine the scheduler serves /health and status calls first.
    // Never below this process's own niceness: lowering it needs privileges.
    if (child.pid !== undefined) os.setPriority(child.pid, Math.max(os.getPriority(), WORKER_NICENESS));
    this.lastRssMb = undefined;
    this.overBudget = undefined;
    const ready = new Promise<ChildProcess>((resolve, reject) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.failedStarts = 0;
          resolve(child);
        } else this.onMessage(message);
      });
      child.once('exit', (code, signal) => {
        reject(new WorkerCrashedError(child.pid, code, signal, this.lastRssMb));
        this.onExit(child, code, signal);
      });
    });
    ready.catch(() => undefined); // observed by execute(); an idle restart has no caller
    this.poll = setInterval(() => void this.watchMemory(child), this.options.memoryPollMs ?? 100);
    this.poll.unref();
    return ready;
  }

  private onMessage(message: FromWorker): void {
    const running = this.running;
    if (!running || message.type === 'ready' || message.jobId !== running.jobId) return;
    if (message.type === 'progress') running.run.onProgress(message.progress);
    else if (message.type === 'preview') running.run.onPreview?.(message.preview);
    // Aborted is aborted, even when the job ended before the worker saw the abort.
    else if (running.run.signal.aborted) running.reject(running.run.signal.reason as Error);
    else if (message.type === 'done') running.resolve(message.mp4);
    else running.reject(new InferenceFailedError(message.failure));
  }

  private async watchMemory(child: ChildProcess): Promise<void> {
    if (child !== this.child || child.pid === undefined || this.overBudget) return;
    const sample = await sampleMemory(child.pid);
    if (!sample || child !== this.child) return;
    this.lastRssMb = sample.rssMb;
    // The peak counts only during a job: the worker resets it when a job starts.
    const used = this.running ? sample.peakMb : sample.rssMb;
    if (used <= this.options.memoryBudgetMb) return;
    this.overBudget = { rssMb: used };
    this.lastRssMb = used;
    child.kill('SIGKILL');
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearInterval(this.poll);
    this.child = undefined;
    this.ready = undefined;
    const running = this.running;
    const fields = {
      pid: child.pid,
      jobId: running?.jobId ?? null,
      exitCode: code,
      signal,
      lastRssMb: this.lastRssMb === undefined ? null : Math.round(this.lastRssMb),
      memoryBudgetMb: this.options.memoryBudgetMb,
    };
    if (this.closed) {
      this.options.log.info(fields, 'inference worker stopped');
      running?.reject(new WorkerCrashedError(child.pid, code, signal, this.lastRssMb));
      return;
    }
    const reason = this.overBudget
      ? `killed over its memory budget (${formatMb(this.overBudget.rssMb)} > ${this.options.memoryBudgetMb} MB)`
      : 'died';
    this.options.log.error({ ...fields, overBudget: Boolean(this.overBudget) }, `inference worker ${reason}`);
    running?.reject(
      this.overBudget
        ? new WorkerOutOfMemoryError(this.overBudget.rssMb, this.options.memoryBudgetMb)
        : new WorkerCrashedError(child.pid, code, signal, this.lastRssMb),
    );
    // A fresh process right away, so the next job finds one; back off when processes die at start.
    const delay = this.failedStarts === 0 ? 0 : Math.min(30_000, 500 * 2 ** this.failedStarts);
    this.failedStarts++;
    setTimeout(() => {
      if (!this.closed && !this.ready) void this.start().catch(() => undefined);
    }, delay).unref();
  }
}
