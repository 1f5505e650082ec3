/**
 * The playground's controller: connects the form, the model catalog, the worker, the current job
 * and the history. Components read its state and call its methods; nothing heavy runs here.
 */
import type { ClipStep, EditOp, GifOptions } from '../../shared/edit-ops';
import { serializeError, WebGpuUnavailableError } from '../../shared/errors';
import { addPending, listPending, removePending, type PendingJob } from '../server/pending-jobs';
import { pngOf } from '../server/image-png';
import { previewFromPng } from '../server/preview-png';
import { modelIdForMode, type PhosorClient, type Quote, type ServerJob } from '../server/phosor-client';
import { jobCostMicro, microToCredits } from '../../shared/pricing';
import { runServerJob, type ServerJobOutput } from '../server/run-server-job';
import { ServerError } from '../server/server-error';
import type {
  ConditioningImage,
  DeviceRequest,
  GenerateParams,
  GenerateRequest,
  GenerateResult,
} from '../../shared/protocol';
import type { HistoryRecord } from '../history/record';
import type { ClipImages } from '../history/store';
import type { ModelChoice } from '../models/catalog';
import { validateParams, type FieldError } from '../models/validate-params';
import type { PageOptions } from '../page-options';
import { GenerateClient } from '../worker/generate-client';
import { readRecipe } from '../../pipeline/mp4-recipe';
import { recipeModel } from '../models/recipe-model';
import { CatalogState } from './catalog.svelte';
import { FormState } from './form.svelte';
import { HistoryState } from './history.svelte';
import type { ImageSlot } from './image-slot.svelte';
import { JobState } from './job.svelte';
import { loraWeights, type LoraChoice } from './lora-slot.svelte';
import { ServerState } from './server.svelte';
import { measuredJobs } from './device-speed';

/** Where the form's job would run and why; on the server, its price and the balance (or why not known). */
export interface RouteHint {
  where: 'webgpu' | 'wasm' | 'server';
  reasons: string[];
  /** On this device: seconds, scaled from its last clip of this model (null before it made one). */
  estimatedSeconds?: number | null;
  quote?: Quote;
  error?: string;
}

/** The refusal of a job the balance does not cover, before it is sent (the server would answer 402). */
function insufficientCredits(quote: Quote): ServerError {
  return new ServerError(
    402,
    'insufficient_credits',
    `This job costs ${quote.credits} credits and the balance is ${quote.balance}: choose fewer frames or a smaller size, run it on this device (free), or add credits.`,
  );
}

/** The clip on screen: a blob URL for `<video>` and the download link. */
export interface ShownClip {
  id: string;
  url: string;
  fileName: string;
  record: HistoryRecord;
}

/** Throws when WebGPU is forced but this browser has none, before a worker is even started. */
async function checkWebGpu(device: DeviceRequest): Promise<void> {
  if (device !== 'webgpu') return;
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'WebGPU is not available in this browser, so the WebGPU device cannot run. Choose "auto" or "wasm" (CPU), or use a browser with WebGPU enabled.',
    );
  }
}

/** Reactive state and actions of the whole playground. */
export class Playground {
  readonly catalog = new CatalogState();
  readonly form = new FormState();
  readonly job = new JobState();
  readonly history = new HistoryState();
  readonly server = new ServerState();
  /** Server jobs asked for while the server was unreachable, sent when the network returns. */
  pending = $state.raw<PendingJob[]>([]);
  #sendingPending: Promise<void> | null = null;
  /** An edit of the shown clip is running, or why the last one failed. */
  editing = $state(false);
  editError = $state('');
  /** Where the form's job would run and, on the server, its price: shown before Generate. */
  route = $state.raw<RouteHint | null>(null);
  readonly client: GenerateClient;
  fieldErrors = $state.raw<FieldError[]>([]);
  /** What loading a clip's recipe said: which clip's settings are in the form, or why none are. */
  recipeMessage = $state.raw<{ ok: boolean; text: string } | null>(null);
  shown = $state.raw<ShownClip | null>(null);
  #controller: AbortController | null = null;

  constructor(readonly options: PageOptions) {
    this.client = new GenerateClient({ placement: options.debug });
    if (options.device) this.form.device = options.device;
  }

  async init(): Promise<void> {
    await Promise.all([this.catalog.load(this.options.model), this.history.refresh(), this.server.refresh()]);
    void this.refreshLoras();
    // A clip made offline goes up, and a job that waited for the server goes out, when the network returns.
    globalThis.addEventListener?.('online', () => void this.#reconnected());
    void this.#reconnected();
    const model = this.catalog.selected;
    if (model) this.form.applyModel(model);
  }

  selectModel(modelId: string): void {
    this.catalog.selectedId = modelId;
    const model = this.catalog.selected;
    if (model) this.form.applyModel(model);
    this.fieldErrors = [];
  }

  async #reconnected(): Promise<void> {
    await this.sendPending();
    await this.sync();
  }

  /**
   * Sends the jobs that waited for the network, one at a time, into the gallery. Stops at the first that
   * still cannot reach the server; a job the server refuses (credits, parameters) is dropped and says why.
   */
  sendPending(): Promise<void> {
    this.#sendingPending ??= this.#sendPending().finally(() => (this.#sendingPending = null));
    return this.#sendingPending;
  }

  async #sendPending(): Promise<void> {
    this.pending = await listPending().catch(() => []);
    const client = this.server.client();
    if (!client) return;
    for (const job of this.pending) {
      try {
        const out = await runServerJob(client, { model: job.modelId, params: job.params }, { jobId: job.jobId });
        await this.#keepServerClip(job, out, job.params.num_frames);
      } catch (error) {
        if (error instanceof ServerError && error.status === 0) break;
        this.history.error = `A job that waited for the network could not run: ${serializeError(error).message}`;
      }
      await removePending(job.jobId);
      this.pending = this.pending.filter((p) => p.jobId !== job.jobId);
    }
  }

  /** Forgets a job that waits for the network. */
  async dropPending(jobId: string): Promise<void> {
    await removePending(jobId);
    this.pending = this.pending.filter((p) => p.jobId !== jobId);
  }

  /** Syncs the gallery with the server, when one is set up, and shows what came in. */
  async sync(): Promise<void> {
    await this.server.sync(() => this.history.refresh());
  }

  /** Stores the server's URL and API key, reads the account and syncs the gallery with it. */
  async saveServerKey(key: string, url = ''): Promise<void> {
    await this.server.saveKey(key, url);
    if (this.server.account) await Promise.all([this.sync(), this.refreshLoras()]);
  }

  /** Lists the caller's ready LoRAs on the server for the form (none without a server, or while it is unreachable). */
  async refreshLoras(): Promise<void> {
    const client = this.server.client();
    this.form.lora.serverLoras = client ? await client.loras().catch(() => []) : [];
  }

  /** Validates the form and, when it is fine, runs one job to an MP4 and stores it. */
  async generate(): Promise<void> {
    const model = this.catalog.selected;
    if (!model || this.job.status === 'running') return;
    const params = this.form.params(model);
    const images = this.#images(model);
    const runOn = this.form.device;
    // A LoRA stored on the server sends an `auto` job there (its files are not served back).
    const loraOnServer = model.takesLora && this.form.lora.source === 'server';
    // An imported model is kept in this browser only: the server has no copy to run.
    const serverOffers = this.server.configured && !model.imported;
    const toServer = runOn === 'server' || (runOn === 'auto' && loraOnServer && serverOffers);
    const lora = model.takesLora ? this.form.lora.choice(toServer) : { errors: [] };
    this.fieldErrors = [
      ...validateParams(params, model),
      ...images.errors,
      ...lora.errors,
      ...importedOnServer(model, runOn),
    ];
    if (this.fieldErrors.length > 0) return;

    const request: GenerateRequest = {
      jobId: crypto.randomUUID(),
      modelUrl: model.manifestUrl,
      device: runOn === 'server' ? 'auto' : runOn,
      params,
      ...(images.image && { image: images.image }),
      ...(images.last_image && { last_image: images.last_image }),
    };
    const controller = new AbortController();
    this.#controller = controller;
    this.job.start();
    try {
      if (toServer) {
        const why = runOn === 'server' ? [] : [`the LoRA "${lora.choice?.name}" is stored on the server`];
        this.job.plan = { where: 'server', reasons: why };
      } else {
        await checkWebGpu(request.device);
        // The device plan: on `auto` it picks WebGPU or WASM from the adapter, its limits and the job's
        // memory (or the server, when there is one and this device would be slow), and says why; a
        // failed plan leaves the choice to the worker's own rule.
        const plan = await this.client.plan(request, serverOffers, measuredJobs(model.modelId)).catch(() => null);
        if (plan) {
          this.job.plan = plan;
          if (request.device === 'auto' && plan.where !== 'server') request.device = plan.where;
        }
      }
      if (this.job.plan?.where === 'server') {
        await this.#generateOnServer(request, model, controller.signal, lora.choice);
        return;
      }
      if (lora.choice?.kind === 'files') request.lora = await loraWeights(lora.choice);
      const result = await this.client.generate(request, {
        signal: controller.signal,
        onProgress: (event) => this.job.progress(event),
        onPreview: (image) => this.job.showPreview(image),
        encoder: this.options.encoder,
      });
      this.job.succeed(result, { model: model.modelId, guidance: params.guidance_scale });
      // The clip arrives in the worker's message task; the progress panel renders there, the player and
      // the history in a task of their own, so neither holds the main thread past 50 ms.
      await nextTask();
      await this.#keep(request, model.modelId, result, lora.choice);
    } catch (error) {
      this.job.fail(serializeError(error));
    } finally {
      this.#controller = null;
    }
  }

  /**
   * Runs the job on the server: priced first (and refused here, before anything is sent, when the balance
   * does not cover it), then submitted, followed and downloaded into the history like a local clip.
   */
  async #generateOnServer(
    request: GenerateRequest,
    model: ModelChoice,
    signal: AbortSignal,
    lora?: LoraChoice,
  ): Promise<void> {
    const client = this.server.client();
    if (!client)
      throw new ServerError(401, 'no_api_key', 'Add your API key in Settings (Server) to run jobs on the server.');
    if (request.last_image)
      throw new ServerError(
        400,
        'last_image_local_only',
        'The server starts a clip from one image only (Phosor has no last frame): run first-last-frame jobs on this device, or remove the end image.',
      );
    const job: ServerJob = {
      model: modelIdForMode(model.modelId, request.image !== undefined),
      params: request.params,
    };
    let quote: Quote;
    try {
      // The first frame goes up before the price is asked (the image-to-video id needs its image_url);
      // keyed by the job, so a retry reuses the upload.
      if (request.image)
        job.imageUrl = await client.uploadImage(await pngOf(request.image), `${request.jobId}-image`, signal);
      // A LoRA from disk goes up once per job (the key makes a retry reuse it); the server's own is named.
      if (lora?.kind === 'files')
        job.loraId = await client.uploadLora(
          { high_noise: lora.high_noise, low_noise: lora.low_noise, name: lora.name },
          `${request.jobId}-lora`,
          signal,
        );
      if (lora?.kind === 'server') job.loraId = lora.loraId;
      if (lora) job.loraScale = lora.scale;
      quote = await client.quote(job, signal);
    } catch (error) {
      // Offline: the job waits in this browser and goes to the server when the network returns.
      if (!(error instanceof ServerError && error.status === 0)) throw error;
      if (request.image || lora)
        throw new ServerError(
          0,
          'offline_with_files',
          `The server cannot be reached, and a job with ${request.image ? 'an image' : 'a LoRA'} cannot wait for it: try again online, or run it on this device.`,
        );
      const waiting: PendingJob = {
        jobId: request.jobId,
        createdAt: Date.now(),
        modelId: model.modelId,
        modelUrl: request.modelUrl,
        params: request.params,
      };
      await addPending(waiting);
      this.pending = [...this.pending, waiting];
      this.job.waitForNetwork();
      return;
    }
    this.job.quote = quote;
    if (!quote.affordable) throw insufficientCredits(quote);
    const total = request.params.num_inference_steps;
    const out = await runServerJob(client, job, {
      jobId: request.jobId,
      signal,
      onEvent: (event) => this.job.serverProgress(event),
      onPreview: (png, step) =>
        void previewFromPng(png, step, total).then((image) => image && this.job.showPreview(image)),
    });
    this.job.succeedOnServer(out.elapsedMs, out.result.provider);
    await this.#keepServerClip(
      { jobId: request.jobId, modelId: model.modelId, modelUrl: request.modelUrl, params: request.params },
      out,
      quote.num_frames,
      lora && { name: lora.name, scale: lora.scale },
    );
    void this.server.refresh(); // the balance after the charge
  }

  /** Stores a finished server job in the gallery and shows it. */
  async #keepServerClip(
    job: Omit<PendingJob, 'createdAt'>,
    out: ServerJobOutput,
    numFrames: number,
    lora?: HistoryRecord['lora'],
  ): Promise<void> {
    const record: HistoryRecord = {
      id: job.jobId,
      createdAt: Date.now(),
      modelId: job.modelId,
      modelUrl: job.modelUrl,
      params: { ...job.params, seed: out.result.seed, num_frames: numFrames },
      device: 'server',
      encoder: 'server',
      numFrames,
      elapsedMs: out.elapsedMs,
      bytes: out.mp4.size,
      requestId: out.requestId,
      provider: out.result.provider,
      syncedAt: Date.now(), // a server job is in the server's history already
      ...(lora && { lora }),
    };
    this.#show(record, out.mp4);
    await this.history.add(record, out.mp4);
  }

  /**
   * Where the form's job would run, and its price when that is the server; for the line under Generate.
   * Quietly null when it cannot be told yet (no model, invalid settings).
   */
  async estimateRoute(): Promise<void> {
    const model = this.catalog.selected;
    if (!model) return;
    const params = this.form.params(model);
    const runOn = this.form.device;
    const invalid = validateParams(params, model).length > 0 || importedOnServer(model, runOn).length > 0;
    if (invalid || (runOn !== 'server' && !this.server.configured)) {
      this.route = null;
      return;
    }
    const request: GenerateRequest = {
      jobId: 'route',
      modelUrl: model.manifestUrl,
      device: runOn === 'server' ? 'auto' : runOn,
      params,
    };
    const measured = measuredJobs(model.modelId);
    const plan =
      runOn === 'server' ? null : await this.client.plan(request, !model.imported, measured).catch(() => null);
    if (plan && plan.where !== 'server') {
      this.route = { where: plan.where, reasons: plan.reasons, estimatedSeconds: plan.estimatedSeconds };
      return;
    }
    const client = this.server.client();
    if (!client) {
      this.route = { where: 'server', reasons: ['add your API key in Settings first'] };
      return;
    }
    const quote = await this.#quoteWithLora(client, model, params).catch((error: unknown) => error as Error);
    this.route =
      quote instanceof Error
        ? { where: 'server', reasons: plan?.reasons ?? [], error: quote.message }
        : { where: 'server', reasons: plan?.reasons ?? [], quote };
  }

  /**
   * The price of the form's job on the server with its LoRA. A server LoRA is quoted by its id; files from
   * disk are uploaded only when the job runs, so their 1.25× is applied here by the shared price table.
   */
  async #quoteWithLora(client: PhosorClient, model: ModelChoice, params: GenerateParams): Promise<Quote> {
    const lora = model.takesLora ? this.form.lora.choice(true).choice : undefined;
    const job: ServerJob = { model: model.modelId, params };
    if (lora?.kind === 'server') Object.assign(job, { loraId: lora.loraId, loraScale: lora.scale });
    const quote = await client.quote(job);
    if (lora?.kind !== 'files') return quote;
    const micro = jobCostMicro({
      width: quote.width,
      height: quote.height,
      numFrames: quote.num_frames,
      withLora: true,
    });
    const credits = microToCredits(micro);
    return { ...quote, credits, affordable: credits <= quote.balance };
  }

  /** Decodes a picked file (in the worker) into the start or end image slot. */
  pickImage(slot: ImageSlot, file: File): Promise<void> {
    return slot.pick(file, (blob) => this.client.decodeImage(blob));
  }

  /** The images to send: only for modes the model lists, and a last frame only with a first. */
  #images(model: ModelChoice): { image?: ConditioningImage; last_image?: ConditioningImage; errors: FieldError[] } {
    const { startImage, endImage } = this.form;
    const start = supportsImageStart(model) ? startImage : null;
    const end = model.modes.includes('first-last-frame') ? endImage : null;
    const errors: FieldError[] = [];
    if (start?.busy || end?.busy)
      errors.push({ field: 'image', message: 'The image is still being read; try again in a moment.' });
    else if (end?.picked && !start?.picked)
      errors.push({ field: 'image', message: 'Add a start image too: ending on an image needs a first frame.' });
    const image = start?.picked?.image;
    const last_image = end?.picked?.image;
    return { ...(image && { image }), ...(last_image && { last_image }), errors };
  }

  /** Cancels the running job between denoising steps. */
  cancel(): void {
    this.#controller?.abort();
  }

  /** Shows a history entry in the player. */
  async show(record: HistoryRecord): Promise<void> {
    const blob = await this.history.video(record.id);
    if (!blob) {
      this.history.error = `The video of "${record.params.prompt}" is missing from this browser's storage.`;
      return;
    }
    this.#show(record, blob);
  }

  /**
   * Reads the recipe a Phosphene clip carries and puts its model and every parameter in the form, so
   * Generate makes that clip again (the same bytes on the same device). Images are not part of a recipe.
   */
  async loadRecipe(file: File): Promise<void> {
    const recipe = readRecipe(new Uint8Array(await file.arrayBuffer()));
    if (!recipe) {
      this.recipeMessage = {
        ok: false,
        text: `${file.name} carries no Phosphene recipe: only clips made by Phosphene can be re-run.`,
      };
      return;
    }
    const found = recipeModel(this.catalog.models, recipe);
    if (!found) {
      this.recipeMessage = {
        ok: false,
        text: `${file.name} was made by ${recipe.model}, which this playground does not list: add that model in Settings → This device, then drop the clip again.`,
      };
      return;
    }
    const { model, versionNote } = found;
    this.catalog.selectedId = model.modelId;
    this.form.applyParams(recipe.params, model);
    const images = recipe.mode === 'text-to-video' ? '' : ' Pick its image again: images are not stored in the clip.';
    const again = versionNote ?? 'Generate makes it again.';
    this.recipeMessage = {
      ok: true,
      text: `Loaded the recipe of ${file.name} (seed ${recipe.params.seed}): ${again}${images}`,
    };
  }

  /**
   * Edits the clip on screen in the worker (trim, speed, crop, resize, text, or a merge with the gallery
   * clips `op.clip_ids` names) and keeps the result as a new clip, which records its source and every edit
   * since generation.
   */
  async edit(op: EditOp): Promise<void> {
    const source = this.shown?.record;
    if (!source || this.editing) return;
    this.editing = true;
    this.editError = '';
    try {
      const ids = [source.id, ...(op.op === 'join' ? (op.clip_ids ?? []) : [])];
      const found = await Promise.all(ids.map((id) => this.history.video(id)));
      const [clip, ...others] = found.filter((b) => b !== undefined);
      if (!clip || others.length < ids.length - 1)
        throw new Error('A clip to edit is missing from this browser’s storage: pick another one.');
      const started = performance.now();
      const result = await this.client.edit(clip, op, others, this.options.encoder);
      const blob = new Blob([result.mp4], { type: 'video/mp4' });
      const record = derivedRecord(source, op, {
        id: crypto.randomUUID(),
        params: { ...source.params, width: result.width, height: result.height, num_frames: result.numFrames },
        // Edited here, whatever made the source.
        device: source.device === 'server' || source.device === 'elsewhere' ? 'wasm' : source.device,
        encoder: result.encoder,
        numFrames: result.numFrames,
        elapsedMs: performance.now() - started,
        bytes: blob.size,
      });
      this.#show(record, blob);
      await this.history.add(record, blob);
      void this.sync();
    } catch (error) {
      this.editError = serializeError(error).message;
    } finally {
      this.editing = false;
    }
  }

  /**
   * Extends the clip on screen on this device: its last frame starts a continuation of the form's frame
   * count, with the form's prompt, seed, steps and guidance (size and frame rate are the clip's), and the
   * whole clip is kept as a new one that names its source. Phosor has no extend, so it never goes to the server.
   */
  async extend(): Promise<void> {
    const source = this.shown?.record;
    const model = this.catalog.models.find((m) => m.modelId === source?.modelId) ?? this.catalog.selected;
    if (!source || !model || this.job.status === 'running') return;
    const { width, height, frames_per_second } = source.params;
    const params = { ...this.form.params(model), width, height, frames_per_second };
    this.fieldErrors = model.modes.includes('image-to-video')
      ? validateParams(params, model)
      : [{ field: 'image', message: `${model.name} cannot extend a clip: it has no image-to-video mode.` }];
    if (this.fieldErrors.length > 0) return;
    const device: DeviceRequest = this.form.device === 'server' ? 'auto' : this.form.device;
    const request: GenerateRequest = { jobId: crypto.randomUUID(), modelUrl: model.manifestUrl, device, params };
    const controller = new AbortController();
    this.#controller = controller;
    this.job.start();
    try {
      const clip = await this.history.video(source.id);
      if (!clip) throw new Error('The clip to extend is missing from this browser’s storage: pick another one.');
      await checkWebGpu(device);
      const plan = await this.client.plan(request, false, measuredJobs(model.modelId)).catch(() => null);
      if (plan && plan.where !== 'server') {
        this.job.plan = plan;
        if (device === 'auto') request.device = plan.where;
      }
      const result = await this.client.extend(clip, request, {
        signal: controller.signal,
        onProgress: (event) => this.job.progress(event),
        onPreview: (image) => this.job.showPreview(image),
        encoder: this.options.encoder,
      });
      this.job.succeed(result);
      const blob = new Blob([result.mp4], { type: result.mimeType });
      const record = derivedRecord(
        source,
        { op: 'extend', params },
        {
          id: request.jobId,
          params: { ...source.params, num_frames: result.numFrames },
          device: result.device,
          encoder: result.encoder,
          numFrames: result.numFrames,
          elapsedMs: result.elapsedMs,
          bytes: blob.size,
        },
      );
      this.#show(record, blob);
      await this.history.add(record, blob);
      void this.sync();
    } catch (error) {
      this.job.fail(serializeError(error));
    } finally {
      this.#controller = null;
    }
  }

  /** The clip on screen as a GIF download (`null` when none is shown; errors go to `editError`). */
  async exportGif(options: GifOptions = {}): Promise<{ blob: Blob; fileName: string } | null> {
    const shown = this.shown;
    if (!shown || this.editing) return null;
    this.editing = true;
    this.editError = '';
    try {
      const clip = await this.history.video(shown.id);
      if (!clip) throw new Error('This clip is missing from this browser’s storage.');
      return { blob: await this.client.gif(clip, options), fileName: shown.fileName.replace(/\.mp4$/, '.gif') };
    } catch (error) {
      this.editError = serializeError(error).message;
      return null;
    } finally {
      this.editing = false;
    }
  }

  /** Puts a history entry's parameters, and the images it started from, back into the form. */
  async reuse(record: HistoryRecord): Promise<void> {
    const model = this.catalog.models.find((m) => m.modelId === record.modelId) ?? this.catalog.selected;
    if (!model) return;
    this.catalog.selectedId = model.modelId;
    this.form.applyParams(record.params, model);
    this.form.lora.restore(record.lora);
    const images = await this.history.images(record.id).catch(() => ({}) as ClipImages);
    const { startImage, endImage } = this.form;
    if (images.image) await startImage.restore(images.image, 'start image of the clip', pngOf);
    else startImage.clear();
    if (images.last_image) await endImage.restore(images.last_image, 'end image of the clip', pngOf);
    else endImage.clear();
  }

  /** "Run again": the clip's recipe back in the form (model, parameters, LoRA, images), then Generate. */
  async runAgain(record: HistoryRecord): Promise<void> {
    if (this.job.status === 'running') return;
    await this.reuse(record);
    await this.generate();
  }

  async remove(record: HistoryRecord): Promise<void> {
    if (this.shown?.id === record.id) this.#show(null);
    await this.history.remove(record.id);
    void this.sync(); // the deletion reaches the server and the other devices
  }

  async #keep(request: GenerateRequest, modelId: string, result: GenerateResult, lora?: LoraChoice): Promise<void> {
    const blob = new Blob([result.mp4], { type: result.mimeType });
    const record: HistoryRecord = {
      id: request.jobId,
      createdAt: Date.now(),
      modelId,
      modelUrl: request.modelUrl,
      params: request.params,
      device: result.device,
      encoder: result.encoder,
      numFrames: result.numFrames,
      elapsedMs: result.elapsedMs,
      bytes: blob.size,
      ...(lora && { lora: { name: lora.name, scale: lora.scale } }),
    };
    this.#show(record, blob);
    // The images go with the clip, so "run again" puts them back (the MP4's recipe cannot carry them).
    const images = {
      ...(request.image && { image: request.image }),
      ...(request.last_image && { last_image: request.last_image }),
    };
    await this.history.add(record, blob, images);
    void this.sync();
  }

  #show(record: HistoryRecord | null, blob?: Blob): void {
    if (this.shown) URL.revokeObjectURL(this.shown.url);
    if (!record || !blob) {
      this.shown = null;
      return;
    }
    const slug =
      record.params.prompt
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'clip';
    this.shown = {
      id: record.id,
      url: URL.createObjectURL(blob),
      fileName: `phosphene-${slug}-${record.params.seed}.mp4`,
      record,
    };
  }
}

/**
 * A clip made from `source` by one more step (an edit or an extension): the source's recipe and LoRA, a new
 * id, not synced yet (it is new to the server too), naming its source and every step since generation.
 */
function derivedRecord(
  source: HistoryRecord,
  step: ClipStep,
  made: Pick<HistoryRecord, 'id' | 'params' | 'device' | 'encoder' | 'numFrames' | 'elapsedMs' | 'bytes'>,
): HistoryRecord {
  const { requestId: _r, provider: _p, syncedAt: _s, ...kept } = source;
  return { ...kept, ...made, createdAt: Date.now(), sourceId: source.id, edits: [...(source.edits ?? []), step] };
}

/** The refusal of a job that names the server for a model imported into this browser (the server lacks it). */
function importedOnServer(model: ModelChoice, runOn: string): FieldError[] {
  if (!model.imported || runOn !== 'server') return [];
  const message = `${model.name} was added to this browser only, so the server cannot run it: choose this device.`;
  return [{ field: 'device', message }];
}

/** Resolves in a new task (a macrotask): work after it does not lengthen the current one. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** True when the model can start a video from an image (image-to-video or first-last-frame). */
export function supportsImageStart(model: ModelChoice): boolean {
  return model.modes.includes('image-to-video') || model.modes.includes('first-last-frame');
}
