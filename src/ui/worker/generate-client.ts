/**
 * The UI's handle on the generate worker. AbortSignal is not cloneable, so a job's signal is
 * forwarded as `cancel(jobId)`; the worker aborts its own controller between denoising steps. If a
 * job does not stop within a grace period (a long GPU step), the worker is terminated: the hard kill
 * that also drops the loaded sessions.
 */
import * as Comlink from 'comlink';
import type { EditOp, GifOptions } from '../../shared/edit-ops';
import { DEVICE_FAULTS, JobAbortedError, WorkerStartError } from '../../shared/errors';
import type {
  ConditioningImage,
  FramesResult,
  GenerateRequest,
  GenerateResult,
  ProgressEvent,
} from '../../shared/protocol';
import { workerName } from '../../shared/worker-name';
import type { GenerateWorkerApi } from '../../workers/generate.worker';
import type { ImportFrom } from '../../workers/model-import';
import type { MeasuredJob } from '../../pipeline/time-estimate';

/** Which MP4 encoder a job asks for. */
export type EncoderChoice = NonNullable<Parameters<GenerateWorkerApi['generate']>[2]>['encoder'];

/** What a caller can pass along with a job. */
export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/** A small RGBA picture of the clip after a denoising step (see `src/pipeline/preview.ts`). */
export type LivePreview = Parameters<NonNullable<Parameters<GenerateWorkerApi['generate']>[3]>>[0];

const HARD_KILL_AFTER_MS = 5000;

/**
 * The request with copies of its image buffers marked for transfer: the copies move to the worker
 * without a second structured-clone copy, and the form keeps its own images for the next job. The LoRA's
 * buffers are read from its files for each job, so they move as they are.
 */
function withTransferredImages(request: GenerateRequest): GenerateRequest {
  const copy = (image: ConditioningImage | undefined) => image && { ...image, rgba: image.rgba.slice() };
  const image = copy(request.image);
  const last_image = copy(request.last_image);
  const { lora } = request;
  if (!image && !last_image && !lora) return request;
  const sent: GenerateRequest = { ...request, ...(image && { image }), ...(last_image && { last_image }) };
  const loraBuffers = lora ? [lora.high_noise.buffer, lora.low_noise.buffer] : [];
  return Comlink.transfer(sent, [
    ...[image?.rgba.buffer, last_image?.rgba.buffer].filter((b) => b !== undefined),
    ...new Set(loraBuffers),
  ]);
}

/** A lazily started generate worker with cancellable jobs. */
export class GenerateClient {
  #worker: Worker | null = null;
  #api: Comlink.Remote<GenerateWorkerApi> | null = null;

  /**
   * `placement`: the worker reports where each graph's nodes run, which costs a second, verbose
   * compile of every graph; only tests and `?debug` pages ask for it.
   */
  constructor(private readonly options: { placement?: boolean } = {}) {}

  /** Rejects when the worker fails before its first answer (its script did not load); calls race it. */
  #failed: Promise<never> = new Promise(() => {});
  /** Whether the current worker has answered (so it loaded). */
  #started = false;

  #remote(): Comlink.Remote<GenerateWorkerApi> {
    if (!this.#api) {
      const worker = new Worker(new URL('../../workers/generate.worker.ts', import.meta.url), {
        type: 'module',
        name: workerName(this.options),
      });
      this.#worker = worker;
      this.#api = Comlink.wrap<GenerateWorkerApi>(worker);
      this.#started = false;
      // A worker whose script cannot be fetched (offline before the service worker kept the app) would
      // leave every call pending for ever: the job would say "running" and never end.
      this.#failed = new Promise<never>((_, reject) =>
        worker.addEventListener('error', (event) => {
          if (this.#started || this.#worker !== worker) return; // a started worker's stray error
          event.preventDefault();
          this.terminate();
          reject(
            new WorkerStartError(
              'The generator did not load (offline?): reconnect and reload once so the app is kept for offline use, or run the job on the server.',
            ),
          );
        }),
      );
      this.#failed.catch(() => {});
    }
    return this.#api;
  }

  /** A call of the worker, failing instead of waiting for ever when the worker cannot start. */
  #call<T>(call: (api: Comlink.Remote<GenerateWorkerApi>) => Promise<T>): Promise<T> {
    const api = this.#remote();
    const answer = call(api);
    answer.then(
      () => (this.#started ||= this.#api === api),
      () => (this.#started ||= this.#api === api),
    );
    return Promise.race([answer, this.#failed]);
  }

  /** Terminates the worker; the next job starts a fresh one. */
  terminate(): void {
    this.#api?.[Comlink.releaseProxy]();
    this.#worker?.terminate();
    this.#worker = null;
    this.#api = null;
  }

  /** Generates an MP4. */
  generate(
    request: GenerateRequest,
    options: JobOptions & { encoder?: EncoderChoice; onPreview?: (image: LivePreview) => void } = {},
  ): Promise<GenerateResult> {
    const encoder = options.encoder ?? 'auto';
    const sent = withTransferredImages(request);
    const preview = options.onPreview && Comlink.proxy(options.onPreview);
    return this.#run(request.jobId, options, (api, progress) => api.generate(sent, progress, { encoder }, preview));
  }

  /**
   * Extends a clip (its MP4, transferred) by `request.params.num_frames` new frames from its last frame
   * (see `src/pipeline/extend.ts`); cancellable like a generation.
   */
  async extend(
    clip: Blob,
    request: GenerateRequest,
    options: JobOptions & { encoder?: EncoderChoice; onPreview?: (image: LivePreview) => void } = {},
  ): Promise<GenerateResult> {
    const bytes = await clip.arrayBuffer();
    const sent = withTransferredImages(request);
    const preview = options.onPreview && Comlink.proxy(options.onPreview);
    const encoder = options.encoder ?? 'auto';
    return this.#run(request.jobId, options, (api, progress) =>
      api.extend(Comlink.transfer(bytes, [bytes]), sent, progress, { encoder }, preview),
    );
  }

  /** Runs the pipeline without encoding, returning frames, latents and node placement. */
  frames(request: GenerateRequest, options: JobOptions = {}): Promise<FramesResult> {
    const sent = withTransferredImages(request);
    return this.#run(request.jobId, options, (api, progress) => api.frames(sent, progress));
  }

  /** Edits a clip in the worker (see `src/workers/video/edit-job.ts`), with a merge's `others` in order; the blobs' bytes are transferred. */
  async edit(
    clip: Blob,
    op: EditOp,
    others: Blob[] = [],
    encoder: EncoderChoice = 'auto',
  ): ReturnType<GenerateWorkerApi['edit']> {
    const [bytes, ...tails] = await Promise.all([clip, ...others].map((b) => b.arrayBuffer()));
    return this.#call((api) => api.edit(Comlink.transfer(bytes!, [bytes!, ...tails]), op, tails, { encoder }));
  }

  /** The clip as a looping GIF of `options`' width and rate (the clip's own where absent), made in the worker. */
  async gif(clip: Blob, options: GifOptions = {}): Promise<Blob> {
    const bytes = await clip.arrayBuffer();
    return new Blob([await this.#call((api) => api.gif(Comlink.transfer(bytes, [bytes]), options))], {
      type: 'image/gif',
    });
  }

  /** Decodes an image file in the worker (off the main thread); its bytes are transferred, not copied. */
  decodeImage(file: Blob): Promise<ConditioningImage> {
    return file.arrayBuffer().then((bytes) => {
      const payload = { bytes, type: file.type };
      return this.#call((api) => api.decodeImage(Comlink.transfer(payload, [bytes])));
    });
  }

  /**
   * Where `request` should run (this device or, with `serverAvailable`, the server), why, and how long it would
   * take here after `measured` jobs of this model (see `src/pipeline/device-plan.ts`).
   */
  plan(
    request: GenerateRequest,
    serverAvailable = false,
    measured: readonly MeasuredJob[] = [],
  ): ReturnType<GenerateWorkerApi['plan']> {
    const { image: _image, last_image: _last, lora: _lora, ...light } = request;
    return this.#call((api) => api.plan(light, serverAvailable, measured));
  }

  /** What the device plan reads (adapter features and limits, WASM threads, memory budget). */
  capabilities(): ReturnType<GenerateWorkerApi['capabilities']> {
    return this.#call((api) => api.capabilities());
  }

  /**
   * Downloads a model package for offline use (every file of its default variant, verified, into the model
   * cache), reporting `load` progress; cancellable like a job.
   */
  install(modelUrl: string, options: JobOptions = {}): ReturnType<GenerateWorkerApi['install']> {
    const jobId = crypto.randomUUID();
    return this.#run(jobId, options, (api, progress) => api.install(jobId, modelUrl, progress));
  }

  /** Adds a model package from a URL or from picked files, verified and kept in this browser; cancellable like a job. */
  importModel(from: ImportFrom, options: JobOptions = {}): ReturnType<GenerateWorkerApi['importModel']> {
    const jobId = crypto.randomUUID();
    return this.#run(jobId, options, (api, progress) => api.importModel(jobId, from, progress));
  }

  /** Releases the worker's loaded model (its GPU memory) now, or when the running job ends. */
  unload(): Promise<void> {
    return this.#call((api) => api.unload());
  }

  /** Tests and `?debug` only: destroys the worker's WebGPU device, as a driver reset would. */
  loseGpuDevice(): Promise<boolean> {
    return this.#call((api) => api.loseGpuDevice());
  }

  /** What the worker's environment offers (WebGPU adapter, WebCodecs H.264). */
  environment(): ReturnType<GenerateWorkerApi['environment']> {
    return this.#call((api) => api.environment());
  }

  async #run<T>(
    jobId: string,
    options: JobOptions,
    call: (api: Comlink.Remote<GenerateWorkerApi>, progress: ((e: ProgressEvent) => void) | undefined) => Promise<T>,
  ): Promise<T> {
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new JobAbortedError();
    const api = this.#remote();
    const progress =
      onProgress &&
      Comlink.proxy((event: ProgressEvent) => {
        this.#started ||= this.#api === api;
        onProgress(event);
      });
    const job = this.#call(() => call(api, progress)).catch((error: unknown) => {
      // After a device fault the worker's GPU device or WASM heap is spent: the next job starts a fresh worker.
      if (error instanceof Error && DEVICE_FAULTS.includes(error.name) && this.#api === api) this.terminate();
      throw error;
    });
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
