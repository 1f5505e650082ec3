/**
 * One playground job on the server, start to finish: submit (idempotent by the job's id), follow its
 * events (progress and live previews), then fetch the MP4. Cancelling stops the job on the server too,
 * which refunds it.
 */
import { JobAbortedError } from '../../shared/errors';
import type { JobEvent, JobResult, PhosorClient, ServerJob } from './phosor-client';
import { ServerError } from './server-error';

/** What a finished server job gives the playground. */
export interface ServerJobOutput {
  requestId: string;
  mp4: Blob;
  result: JobResult;
  elapsedMs: number;
}

/** Callbacks and the cancel signal of a run. */
export interface ServerJobOptions {
  /** The job's client id: the Idempotency-Key, so a retried submit never makes a second job. */
  jobId: string;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** The latest live preview (a PNG) and the step it shows. */
  onPreview?: (png: Blob, step: number) => void;
}

export async function runServerJob(
  client: PhosorClient,
  job: ServerJob,
  options: ServerJobOptions,
): Promise<ServerJobOutput> {
  const { signal } = options;
  const started = performance.now();
  signal?.throwIfAborted();
  const requestId = await client.submit(job, options.jobId, signal);
  const stopOnServer = () => void client.cancel(requestId).catch(() => undefined);
  signal?.addEventListener('abort', stopOnServer, { once: true });
  let previewStep = 0;
  try {
    const final = await client.follow(
      requestId,
      (event) => {
        options.onEvent?.(event);
        const step = event.preview_step ?? 0;
        if (options.onPreview && event.preview_url && step > previewStep) {
          previewStep = step;
          // Latest wins; a preview that fails to load is only a missed picture.
          void client
            .download(event.preview_url, signal)
            .then((png) => step === previewStep && options.onPreview!(png, step))
            .catch(() => undefined);
        }
      },
      signal,
    );
    if (final.status === 'failed') {
      const { code = 'failed', message = '' } = final.error ?? {};
      if (code === 'cancelled' && signal?.aborted) throw new JobAbortedError();
      throw new ServerError(200, code, `The server could not make this clip: ${message || code}. It refunded the job.`);
    }
    const result = await client.result(requestId);
    const mp4 = await client.download(result.video.url, signal);
    return { requestId, mp4, result, elapsedMs: performance.now() - started };
  } catch (error) {
    if (signal?.aborted) throw new JobAbortedError();
    throw error;
  } finally {
    signal?.removeEventListener('abort', stopOnServer);
  }
}
