/**
 * Refuses at submit a job that cannot fit an inference worker's memory budget, before anything is
 * charged: a 400 that names the budget and the largest size that fits, so the client can resubmit.
 */
import type { GenerateParams } from '../../src/shared/protocol';
import { HttpError } from '../http-error';
import { estimateJobMemory, fittingResolutions, largestFittingFrames } from '../../src/pipeline/memory-estimate';
import type { ModelChoice } from './model-choice';

/** The job is larger than a worker may hold (400, code `job_too_large`). */
export class JobTooLargeError extends HttpError {
  constructor(message: string) {
    super(400, 'job_too_large', message);
    this.name = 'JobTooLargeError';
  }
}

/**
 * `params` when the job fits `budgetMb`; with no `num_frames` in the request, the frames shrink to the
 * most that fit; otherwise a `JobTooLargeError`.
 */
export function checkJobMemory(
  choice: ModelChoice,
  params: GenerateParams,
  budgetMb: number,
  { framesRequested }: { framesRequested: boolean },
): GenerateParams {
  const m = choice.model.manifest;
  const needed = estimateJobMemory(m, params);
  if (needed <= budgetMb) return params;
  const preset = m.resolutions.find((r) => r.width === params.width && r.height === params.height)!;
  const fit = largestFittingFrames(m, preset, budgetMb);
  if (fit !== undefined && !framesRequested) return { ...params, num_frames: fit };
  const size = `${params.width}×${params.height}`;
  const here = fit === undefined ? `no frame count fits at ${size}` : `at ${size} at most ${fit} frames fit`;
  const others = fittingResolutions(m, budgetMb)
    .filter((r) => r.width !== params.width || r.height !== params.height)
    .sort((a, b) => b.width * b.height - a.width * a.height);
  const largest =
    others[0] &&
    `; the largest size that fits is ${others[0].width}×${others[0].height} with up to ${others[0].max_frames} frames`;
  throw new JobTooLargeError(
    `This job (${size}, ${params.num_frames} frames) needs about ${needed} MB, more than the ${budgetMb} MB an inference worker may use (WORKER_MEMORY_MB): ${here}${fit === undefined ? (largest ?? '; no size of this model fits') : ''}. Nothing was charged.`,
  );
}
