/** Why a job's run in a worker process ended without a video; `run-job.ts` maps each to the job's fate. */
import type { InferenceFailure } from './protocol';

/** The worker ran the job and reported a failure with its code (invalid_image, generation_failed, …). */
export class InferenceFailedError extends Error {
  constructor(readonly failure: InferenceFailure) {
    super(failure.message);
    this.name = 'InferenceFailedError';
  }
}

/** The worker process died mid-job (a crash, an outside kill -9, the kernel's OOM killer). */
export class WorkerCrashedError extends Error {
  constructor(
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly lastRssMb: number | undefined,
  ) {
    const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
    super(`The inference worker ${pid ?? '?'} died (${how}; last RSS ${formatMb(lastRssMb)}).`);
    this.name = 'WorkerCrashedError';
  }
}

/** The supervisor killed the worker because its memory passed the budget. */
export class WorkerOutOfMemoryError extends Error {
  constructor(
    readonly rssMb: number,
    readonly budgetMb: number,
  ) {
    super(`The inference worker used ${formatMb(rssMb)}, over its ${budgetMb} MB budget (WORKER_MEMORY_MB).`);
    this.name = 'WorkerOutOfMemoryError';
  }
}

/** `1234 MB`, or `unknown` before the first sample. */
export const formatMb = (mb: number | undefined) => (mb === undefined ? 'unknown' : `${Math.round(mb)} MB`);
