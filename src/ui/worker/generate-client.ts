/**
 * The UI's handle on the generate worker. AbortSignal is not cloneable, so a job's signal is
 * forwarded as `cancel(jobId)`; the worker aborts its own controller between denoising steps. If a
 * job does not stop within a grace period (a long GPU step), the worker is terminated: the hard kill
 * that also drops the loaded sessions.
 */
import * as Comlink from 'comlink';
import { JobAbortedError } from '../../shared/errors';
import type { FramesResult, GenerateRequest, GenerateResult, ProgressEvent } from '../../shared/protocol';
import type { GenerateWorkerApi } from '../../workers/generate.worker';

/** Which MP4 encoder a job asks for. */
export type EncoderChoice = NonNullable<Parameters<GenerateWorkerApi['generate']>[2]>['encoder'];

/** What a caller can pass along with a job. */
export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

const HARD_KILL_AFTER_MS = 5000;

/** A lazily started generate worker with cancellable jobs. */
export class GenerateClient {
  #worker: Worker | null = null;
  #api: Comlink.Remote<GenerateWorkerApi> | null = null;

  #remote(): Comlink.Remote<GenerateWorkerApi> {
    if (!this.#api) {
      this.#worker = new Worker(new URL('../../workers/generate.worker.ts', import.meta.url), {
        type: 'module',
        name: 'phosphene-generate',
      });
      this.#api = Comlink.wrap<GenerateWorkerApi>(this.#worker);
    }
    return this.#api;
  }

  /** Terminates the worker; the next job starts a fresh one. */
  terminate(): void {
    this.#api?.[Comlink.releaseProxy]();
    this.#worker?.terminate();
    this.#worker = null;
    this.#api = null;
  }

  /** Generates an MP4. */
  generate(request: GenerateRequest, options: JobOptions & { encoder?: EncoderChoice } = {}): Promise<GenerateResult> {
    const encoder = options.encoder ?? 'auto';
    return this.#run(request.jobId, options, (api, progress) => api.generate(request, progress, { encoder }));
  }

  /** Runs the pipeline without encoding, returning frames, latents and node placement. */
  frames(request: GenerateRequest, options: JobOptions = {}): Promise<FramesResult> {
    return this.#run(request.jobId, options, (api, progress) => api.frames(request, progress));
  }

  /** What the worker's environment offers (WebGPU adapter, WebCodecs H.264). */
  environment(): ReturnType<GenerateWorkerApi['environment']> {
    return this.#remote().environment();
  }

  async #run<T>(
    jobId: string,
    options: JobOptions,
    call: (api: Comlink.Remote<GenerateWorkerApi>, progress: ((e: ProgressEvent) => void) | undefined) => Promise<T>,
  ): Promise<T> {
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new JobAbortedError();
    const api = this.#remote();
    const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
    const job = call(api, progress) as Promise<T>;
    if (!signal) return job;
    let onAbort = () => {};
    const killed = new Promise<never>((_, reject) => {
      onAbort = () => {
        void api.cancel(jobId);
        const timer = setTimeout(() => {
          this.terminate();
          reject(
            new JobAbortedError('The job was cancelled; the worker was restarted because it did not stop in time.'),
          );
        }, HARD_KILL_AFTER_MS);
        job.finally(() => clearTimeout(timer)).catch(() => {});
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([job, killed]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
