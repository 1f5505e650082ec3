/**
 * Everything that crosses the IPC channel between the supervisor (which owns the database) and an
 * inference worker process (which only runs models). The channel uses `serialization: 'advanced'`
 * (structured clone), so the MP4 bytes cross as a Uint8Array without base64.
 */
import type { GenerateParams } from '../../src/shared/protocol';
import type { JobPreview } from '../jobs/previews';

/** What a worker needs to run one job: plain data, no database handle. */
export interface InferenceRequest {
  modelDir: string;
  params: GenerateParams;
  /** File-store keys of the first frame and the LoRA, read by the worker from `filesDir`. */
  imageKey: string | null;
  loraId: string | null;
  loraScale: number | null;
  /** The job's planned peak memory (`src/pipeline/memory-estimate.ts`); the worker frees its caches first if needed. */
  estimatedPeakMb?: number;
}

/** A failure the worker classified itself (bad image, bad LoRA, pipeline error, aborted). */
export interface InferenceFailure {
  code: string;
  message: string;
}

/** Supervisor → worker. */
export type ToWorker = { type: 'run'; jobId: string; request: InferenceRequest } | { type: 'abort'; jobId: string };

/** Worker → supervisor. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; progress: number }
  | { type: 'preview'; jobId: string; preview: JobPreview }
  | { type: 'done'; jobId: string; mp4: Uint8Array }
  | { type: 'failed'; jobId: string; failure: InferenceFailure };
