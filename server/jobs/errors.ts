/** Job errors, each with the HTTP status Phosor answers. */
import { HttpError } from '../http-error';

/** The user already has as many queued or running jobs as the tier allows (429). */
export class ConcurrencyLimitError extends HttpError {
  constructor(tier: string, limit: number) {
    super(
      429,
      'concurrency_limit',
      `Concurrency limit: the ${tier} tier runs at most ${limit} job${limit === 1 ? '' : 's'} at once (queued or processing); wait for one to finish and retry.`,
    );
    this.name = 'ConcurrencyLimitError';
  }
}

/** The server's queue is full (503). */
export class QueueFullError extends HttpError {
  constructor(capacity: number) {
    super(503, 'queue_full', `The queue is at capacity (${capacity} queued jobs); retry in a minute.`);
    this.name = 'QueueFullError';
  }
}

/** No such job among the caller's: another user's job answers this too, never 403. */
export class JobNotFoundError extends HttpError {
  constructor(jobId: string) {
    super(404, 'job_not_found', `No job ${jobId} among your jobs.`);
    this.name = 'JobNotFoundError';
  }
}

/** The result of a job that has not completed (400, Phosor's validation-error status). */
export class JobNotCompletedError extends HttpError {
  constructor(jobId: string, status: string, reason?: string) {
    super(
      400,
      status === 'failed' ? 'job_failed' : 'job_not_completed',
      status === 'failed'
        ? `Job ${jobId} failed (${reason ?? 'no reason recorded'}); it has no result and its credits were refunded.`
        : `Job ${jobId} is ${status}; poll GET /api/v1/inference/status/${jobId} until it is completed.`,
    );
    this.name = 'JobNotCompletedError';
  }
}
