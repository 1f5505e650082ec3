/**
 * What the claim loop runs a job's inference on: a supervised worker process in production
 * (`WorkerProcess`), or this process for tests that replace `generate`/`encode` (`inProcessExecutor`).
 */
import type { ImageFiles } from '../worker/job-image';
import { executeJob, type ExecuteDeps } from './execute-job';
import type { InferenceRequest } from './protocol';
import type { JobPreview } from '../jobs/previews';

/** Progress (0–99), previews and cancellation for one run. */
export interface ExecuteRun {
  onProgress(progress: number): void;
  onPreview?(preview: JobPreview): void;
  signal: AbortSignal;
}

/** Runs one job's inference to MP4 bytes. */
export interface JobExecutor {
  /**
   * Rejects with `InferenceFailedError` (the job's own failure), `WorkerCrashedError` or
   * `WorkerOutOfMemoryError` (the process running it died), or whatever aborting threw.
   */
  execute(jobId: string, request: InferenceRequest, run: ExecuteRun): Promise<Uint8Array>;
}

/**
 * Runs inference inside this process. Only for tests and tools: onnxruntime-node is imported on first
 * use, so a server that supervises worker processes never loads it.
 */
export function inProcessExecutor(
  deps: { files?: ImageFiles } & Partial<Pick<ExecuteDeps, 'generate' | 'encode'>>,
): JobExecutor {
  return {
    async execute(_jobId, request, run) {
      const generate = deps.generate ?? (await import('../models/node-generate')).streamFramesNode;
      return executeJob({ files: deps.files, generate, encode: deps.encode }, request, run);
    },
  };
}
