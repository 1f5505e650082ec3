/**
 * The generate worker: the pipeline runs here, off the main thread. Requests are validated at this
 * boundary; progress goes back through a `Comlink.proxy` callback; images, MP4 and frame buffers
 * are transferred, not copied; `cancel(jobId)` aborts a job between denoising steps.
 */
import '../shared/zod-jitless';
import { gifOptionsSchema, MAX_MERGE_CLIPS } from '../shared/edit-ops';
import { InvalidParamsError } from '../shared/errors';
import { expose, transfer } from 'comlink';
import type { ConditioningImage, FramesResult, GenerateResult, ProgressEvent } from '../shared/protocol';
import { decodeImageFile } from './video/decode-image';
import { describeEnvironment, probeCapabilities } from './environment';
import { planDevice, type DevicePlan } from '../pipeline/device-plan';
import { parseManifest } from '../pipeline/model-package/manifest';
import { packageSource } from './package-store';
import { parseMeasuredJobs } from '../pipeline/time-estimate';
import { parseEncodeChoice, parseGenerateRequest, parseImageFile } from './request-schema';
import type { EditResult } from './video/edit-job';
import { runFramesJob, runVideoJob, unloadPipelines } from './video/video-job';
import { deviceFault } from './device-faults';
import { loseGpuDevice } from './ort-web';
import { placementRequested } from '../shared/worker-name';
import type { LoadProgress } from '../pipeline/model-package/load';
import { installModel, type InstalledPackage } from './model-install';
import { importModel, parseImportFrom, type ImportedPackage } from './model-import';
import type { PreviewImage } from '../pipeline/preview';

const jobs = new Map<string, AbortController>();

async function withJob<T>(jobId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (jobs.has(jobId)) throw new Error(`Job ${jobId} is already running.`);
  const controller = new AbortController();
  jobs.set(jobId, controller);
  try {
    return await run(controller.signal);
  } catch (error) {
    // A lost GPU, out of memory, a shader that failed: a named error the page acts on (it restarts this worker).
    throw (await deviceFault(error)) ?? error;
  } finally {
    jobs.delete(jobId);
  }
}

/** Workers started for tests or `?debug` (their name asks for placement) also take fault-forcing calls. */
const debugWorker = placementRequested((globalThis as { name?: string }).name);

const api = {
  /**
   * Generates an MP4; the result's `mp4` buffer is transferred. `onPreview` (a `Comlink.proxy`, so its own
   * argument) gets a small picture after each denoising step; each one's pixels are transferred.
   */
  async generate(
    request: unknown,
    onProgress?: (event: ProgressEvent) => void,
    options?: { encoder?: 'auto' | 'webcodecs' | 'ffmpeg.wasm' },
    onPreview?: (image: PreviewImage) => void,
  ): Promise<GenerateResult> {
    const valid = parseGenerateRequest(request);
    const { encoder } = parseEncodeChoice(options);
    const preview = onPreview && ((image: PreviewImage) => void onPreview(transfer(image, [image.rgba.buffer])));
    const result = await withJob(valid.jobId, (signal) =>
      runVideoJob(valid, encoder, { signal, onProgress, onPreview: preview }),
    );
    return transfer(result, [result.mp4]);
  },
  /**
   * Extends a clip (its MP4 bytes, transferred in) from its last frame by the request's frame count; the
   * whole clip comes back as an MP4, transferred, with the source's recipe plus this step.
   */
  async extend(
    mp4: unknown,
    request: unknown,
    onProgress?: (event: ProgressEvent) => void,
    options?: { encoder?: 'auto' | 'webcodecs' | 'ffmpeg.wasm' },
    onPreview?: (image: PreviewImage) => void,
  ): Promise<GenerateResult> {
    if (!(mp4 instanceof ArrayBuffer) || mp4.byteLength === 0)
      throw new InvalidParamsError('The clip to extend must be the MP4’s bytes (an ArrayBuffer).');
    const valid = parseGenerateRequest(request);
    const { encoder } = parseEncodeChoice(options);
    const preview = onPreview && ((image: PreviewImage) => void onPreview(transfer(image, [image.rgba.buffer])));
    // Lazy, as for edits: the MP4 demuxer is code a plain generation never loads.
    const { runExtendJob } = await import('./video/extend-job');
    const result = await withJob(valid.jobId, (signal) =>
      runExtendJob(new Uint8Array(mp4), valid, encoder, { signal, onProgress, onPreview: preview }),
    );
    return transfer(result, [result.mp4]);
  },
  /** Runs the pipeline to frames and latents without encoding; both buffers are transferred. */
  async frames(request: unknown, onProgress?: (event: ProgressEvent) => void): Promise<FramesResult> {
    const valid = parseGenerateRequest(request);
    const result = await withJob(valid.jobId, (signal) => runFramesJob(valid, { signal, onProgress }));
    return transfer(result, [result.frames.rgba.buffer, result.latents.buffer]);
  },
  /** Decodes an image file's bytes (transferred in) to RGBA, transferred back; a non-image is an `InvalidParamsError`. */
  async decodeImage(file: unknown): Promise<ConditioningImage> {
    const { bytes, type } = parseImageFile(file);
    const image = await decodeImageFile(bytes, type);
    return transfer(image, [image.rgba.buffer]);
  },
  /**
   * Edits a clip (its MP4 bytes, transferred in; for a merge, the other clips' in order) and returns the
   * new MP4, transferred back. The edit is checked here against the shared schema.
   */
  async edit(mp4: unknown, op: unknown, others: unknown = [], options?: unknown): Promise<EditResult> {
    const bytes = (v: unknown, what: string) => {
      if (!(v instanceof ArrayBuffer) || v.byteLength === 0)
        throw new InvalidParamsError(`${what} must be the MP4's bytes (an ArrayBuffer).`);
      return new Uint8Array(v);
    };
    if (!Array.isArray(others) || others.length >= MAX_MERGE_CLIPS)
      throw new InvalidParamsError(`A merge takes at most ${MAX_MERGE_CLIPS - 1} clips after this one, as a list.`);
    const { encoder } = parseEncodeChoice(options);
    // Lazy: the demuxer and decoder are ~40 KB that a generation never needs.
    const { runEditJob } = await import('./video/edit-job');
    const tails = others.map((o, i) => bytes(o, `Clip ${i + 2} of the merge`));
    const result = await runEditJob(bytes(mp4, 'The clip'), op, tails, encoder);
    return transfer(result, [result.mp4]);
  },
  /** The clip (its MP4 bytes, transferred in) as a looping GIF of `options`' width and rate, transferred back. */
  async gif(mp4: unknown, options: unknown = {}): Promise<ArrayBuffer> {
    if (!(mp4 instanceof ArrayBuffer) || mp4.byteLength === 0)
      throw new InvalidParamsError(`The clip must be the MP4's bytes (an ArrayBuffer).`);
    const parsed = gifOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidParamsError(parsed.error.issues[0]!.message);
    const { runGifJob } = await import('./video/edit-job');
    const gif = await runGifJob(new Uint8Array(mp4), parsed.data);
    return transfer(gif, [gif]);
  },
  /**
   * Downloads a model package for offline use (the settings' button): every file of its default variant,
   * verified, into the model cache. `jobId` makes it cancellable like a job.
   */
  async install(
    jobId: unknown,
    modelUrl: unknown,
    onProgress?: (event: LoadProgress) => void,
  ): Promise<InstalledPackage> {
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 100)
      throw new InvalidParamsError('install needs a job id (a string of 1–100 characters) to cancel it by.');
    if (typeof modelUrl !== 'string' || modelUrl.length === 0 || modelUrl.length > 2000)
      throw new InvalidParamsError("install needs the model's manifest URL (a string of 1–2000 characters).");
    return withJob(jobId, (signal) => installModel(modelUrl, onProgress, signal));
  },
  /**
   * Adds a model package from any URL or from picked files (the settings' "Add a model"): every file
   * verified, then kept in this browser. Cancellable by `jobId` like a job.
   */
  async importModel(
    jobId: unknown,
    from: unknown,
    onProgress?: (event: LoadProgress) => void,
  ): Promise<ImportedPackage> {
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 100)
      throw new InvalidParamsError('importModel needs a job id (a string of 1–100 characters) to cancel it by.');
    const valid = parseImportFrom(from);
    return withJob(jobId, (signal) => importModel(valid, onProgress, signal));
  },
  /** Releases the loaded model (its sessions and GPU memory) now, or when the running job ends. */
  unload: unloadPipelines,
  /** Tests and `?debug` only: destroys the WebGPU device now, as a driver reset would; false if none exists yet. */
  async loseGpuDevice(): Promise<boolean> {
    if (!debugWorker) throw new InvalidParamsError('loseGpuDevice is only for test and debug workers.');
    return loseGpuDevice();
  },
  /** Aborts a running job; it stops before its next denoising step. */
  cancel(jobId: string): void {
    jobs.get(jobId)?.abort();
  },
  /** What this worker can use: WebGPU adapter, WebCodecs H.264. */
  environment: describeEnvironment,
  /** What the device plan reads: adapter features and limits, WASM threads, the memory budget. */
  capabilities: probeCapabilities,
  /**
   * Where the request should run, and why (the model's manifest and the device's limits); `serverAvailable`:
   * the page has a server to hand the job to (only `true` counts; it is a message, so unchecked);
   * `measured`: jobs this device ran with this model, for the time estimate (malformed entries are ignored).
   */
  async plan(request: unknown, serverAvailable?: unknown, measured?: unknown): Promise<DevicePlan> {
    const valid = parseGenerateRequest(request);
    const source = packageSource(valid.modelUrl);
    const manifest = parseManifest(JSON.parse(new TextDecoder().decode(await source.read('model.json'))), source.label);
    const caps = await probeCapabilities();
    return planDevice(
      manifest,
      valid.params,
      caps,
      valid.device,
      serverAvailable === true,
      parseMeasuredJobs(measured),
    );
  },
};

expose(api);

/** The worker's API as the UI sees it through `Comlink.wrap`. */
export type GenerateWorkerApi = typeof api;
