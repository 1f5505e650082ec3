/**
 * The supervised pool of inference worker processes that `npm start` and `npm run worker` run: one
 * `WorkerProcess` per `WORKERS`, each with its own memory budget. The process that starts the pool
 * never loads onnxruntime itself.
 */
import { WorkerProcess, type WorkerLog } from './worker-process';

/** Pool settings. */
export interface PoolOptions {
  workers: number;
  memoryBudgetMb: number;
  filesDir?: string;
  idleMs?: number;
  memoryPollMs?: number;
  log: WorkerLog;
}

/** A started pool. */
export interface InferencePool {
  /** One executor per worker process, for `startWorker({ executors })`. */
  workers: WorkerProcess[];
  /** Stops every worker process. */
  close(): Promise<void>;
}

/** Starts `workers` processes now, so the first job does not wait for one to boot. */
export function startInferencePool(options: PoolOptions): InferencePool {
  const workers = Array.from({ length: options.workers }, () => new WorkerProcess(options));
  for (const worker of workers) void worker.start().catch(() => undefined);
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
