/**
 * A typed client of our server's REST API (Phosor's, plus our quote, events, preview and cancel routes):
 * the playground's path for jobs this device should not run. Every answer is parsed with the same zod
 * schemas the server validates with (`src/shared`), so a wrong or hostile answer is an error, not a crash.
 */
import type { z } from '../../shared/zod-mini';
import {
  accountResponseSchema,
  createdKeySchema,
  keysResponseSchema,
  apiKeySchema,
} from '../../shared/account-schemas';
import { imageResponseSchema, loraSchema, lorasResponseSchema } from '../../shared/storage-schemas';
import {
  historyDeletedSchema,
  historyResponseSchema,
  jobEventSchema,
  quoteResponseSchema,
  resultResponseSchema,
  statusResponseSchema,
  submitResponseSchema,
} from '../../shared/phosor-schemas';
import type { GenerateParams } from '../../shared/protocol';
import type { ClipRecipe } from '../../shared/clip-recipe';
import { ServerError, serverErrorOf, unreachable } from './server-error';
import { readSse } from './sse';

/** A LoRA as `GET /api/v1/loras` lists it. */
export type LoraEntry = z.infer<typeof loraSchema>;

/** The account as `GET /api/v1/account` answers it. */
export type Account = z.infer<typeof accountResponseSchema>;
/** One API key as the server lists it. */
export type ApiKey = z.infer<typeof apiKeySchema>;
/** A new key, with its secret shown this once. */
export type CreatedKey = z.infer<typeof createdKeySchema>;
/** What submit would run and charge. */
export type Quote = z.infer<typeof quoteResponseSchema>;
/** One progress event of a server job. */
export type JobEvent = z.infer<typeof jobEventSchema>;
/** One page of the server's history. */
export type HistoryPage = z.infer<typeof historyResponseSchema>;
/** One entry of the server's history. */
export type HistoryEntry = HistoryPage['data'][number];

/** A finished job's video URL, seed and the model and provider that ran it. */
export type JobResult = z.infer<typeof resultResponseSchema>['data'];

/** A server job: the playground's parameters and the server's model id (and an uploaded first frame). */
export interface ServerJob {
  model: string;
  params: GenerateParams;
  /** The `key` of an image uploaded with `uploadImage`: the clip starts from it (image-to-video). */
  imageUrl?: string;
  /** One of the caller's ready LoRAs (`loras()`, `uploadLora`) and its scale (Phosor's default 1). */
  loraId?: string;
  loraScale?: number;
}

/**
 * The server's id for a model in a mode: like Phosor's Wan, image-to-video is its own id beside the
 * text-to-video one (`…/text-to-video` → `…/image-to-video`), and the server refuses an image sent to the
 * text-to-video id.
 */
export function modelIdForMode(textToVideoId: string, withImage: boolean): string {
  return withImage ? textToVideoId.replace(/\/text-to-video$/, '/image-to-video') : textToVideoId;
}

/** The submit body of a job (Phosor's field names are the playground's). */
export function submitBody(job: ServerJob): Record<string, unknown> {
  const { params } = job;
  return {
    model: job.model,
    prompt: params.prompt,
    negative_prompt: params.negative_prompt,
    width: params.width,
    height: params.height,
    num_frames: params.num_frames,
    frames_per_second: params.frames_per_second,
    num_inference_steps: params.num_inference_steps,
    guidance_scale: params.guidance_scale,
    seed: params.seed,
    ...(job.imageUrl && { image_url: job.imageUrl }),
    ...(job.loraId && { lora_id: job.loraId, lora_scale: job.loraScale ?? 1 }),
  };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** A multipart upload's request: the browser sets the boundary; the key makes a retry store nothing twice. */
const multipart = (form: FormData, idempotencyKey: string, signal?: AbortSignal): RequestInit => ({
  method: 'POST',
  headers: { 'Idempotency-Key': idempotencyKey },
  body: form,
  ...(signal && { signal }),
});

/** How often a lost events stream is opened again (with `Last-Event-ID`) before the job is given up on. */
const MAX_RECONNECTS = 5;

/** The client of one server with one API key. */
export class PhosorClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;

  constructor(options: { baseUrl: string; apiKey: string; fetch?: typeof fetch }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey.trim();
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The raw response of `path` (absolute URLs are fetched as they are), with the key; throws on non-2xx. */
  async #send(path: string, init: RequestInit = {}): Promise<Response> {
    const url = /^https?:/.test(path) ? path : `${this.baseUrl}${path}`;
    const headers = new Headers(init.headers);
    // The key goes to this server only: a result URL on another host (a CDN) is signed and needs none.
    if (new URL(url).origin === new URL(this.baseUrl).origin) headers.set('X-API-Key', this.#apiKey);
    let response: Response;
    try {
      response = await this.#fetch(url, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw unreachable(this.baseUrl, error);
    }
    if (!response.ok) throw serverErrorOf(response.status, await response.json().catch(() => null));
    return response;
  }

  async #json<T>(schema: z.ZodMiniType<T>, path: string, init?: RequestInit): Promise<T> {
    const response = await this.#send(path, init);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new ServerError(
        response.status,
        'bad_response',
        `The server's answer to ${path.split('?')[0]} is not what this app understands; is ${this.baseUrl} a Phosphene server?`,
      );
    return parsed.data;
  }

  #post(body: unknown, extra: Record<string, string> = {}, signal?: AbortSignal): RequestInit {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
      ...(signal && { signal }),
    };
  }

  account(signal?: AbortSignal): Promise<Account> {
    return this.#json(accountResponseSchema, '/api/v1/account', signal ? { signal } : {});
  }

  /** The account's API keys (active and revoked; never their secrets). */
  async keys(): Promise<ApiKey[]> {
    return (await this.#json(keysResponseSchema, '/api/v1/keys')).keys;
  }

  /** Makes a key; its secret (`api_key`) is in this answer only. */
  createKey(name: string): Promise<CreatedKey> {
    return this.#json(createdKeySchema, '/api/v1/keys', this.#post({ name }, {}));
  }

  /** Revokes one of the account's keys; requests with it are refused from now on. */
  revokeKey(keyId: string): Promise<ApiKey> {
    return this.#json(apiKeySchema, `/api/v1/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
  }

  /** The price and route of `job`, priced by the code that charges it, and whether the balance covers it. */
  quote(job: ServerJob, signal?: AbortSignal): Promise<Quote> {
    return this.#json(quoteResponseSchema, '/api/v1/inference/quote', this.#post(submitBody(job), {}, signal));
  }

  /** Submits `job`; the same `idempotencyKey` never makes (or charges) a second job. */
  async submit(job: ServerJob, idempotencyKey: string, signal?: AbortSignal): Promise<string> {
    const init = this.#post(submitBody(job), { 'Idempotency-Key': idempotencyKey }, signal);
    return (await this.#json(submitResponseSchema, '/api/v1/inference/submit', init)).request_id;
  }

  /** Uploads an image (PNG, JPEG or WebP) for a job's `imageUrl`; the same key never stores it twice. */
  async uploadImage(image: Blob, idempotencyKey: string, signal?: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('file', image, 'image.png');
    return (
      await this.#json(imageResponseSchema, '/api/v1/storage/image/upload', multipart(form, idempotencyKey, signal))
    ).key;
  }

  /** The caller's LoRAs that jobs can use now (ready ones, newest first). */
  async loras(signal?: AbortSignal): Promise<LoraEntry[]> {
    const { loras } = await this.#json(lorasResponseSchema, '/api/v1/loras', signal ? { signal } : {});
    return loras.filter((l) => l.status === 'ready');
  }

  /** Uploads a LoRA pair (two .safetensors files) and returns its `lora_id`; the same key never stores it twice. */
  async uploadLora(
    files: { high_noise: Blob; low_noise: Blob; name: string },
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const form = new FormData();
    form.append('name', files.name);
    form.append('high_noise', files.high_noise, 'high_noise.safetensors');
    form.append('low_noise', files.low_noise, 'low_noise.safetensors');
    return (await this.#json(loraSchema, '/api/v1/storage/lora/upload', multipart(form, idempotencyKey, signal)))
      .lora_id;
  }

  status(requestId: string): Promise<z.infer<typeof statusResponseSchema>> {
    return this.#json(statusResponseSchema, `/api/v1/inference/status/${encodeURIComponent(requestId)}`);
  }

  /** Stops a queued or running job (the server refunds it). */
  async cancel(requestId: string): Promise<void> {
    await this.#send(`/api/v1/inference/cancel/${encodeURIComponent(requestId)}`, { method: 'POST' });
  }

  result(requestId: string): Promise<JobResult> {
    return this.#json(resultResponseSchema, `/api/v1/inference/result/${encodeURIComponent(requestId)}`).then(
      (r) => r.data,
    );
  }

  /** One page of the user's history, newest first: after `cursor`, and only what changed since `since`. */
  history(query: { since?: string; cursor?: string; pageSize?: number } = {}): Promise<HistoryPage> {
    const q = new URLSearchParams({ page_size: String(query.pageSize ?? 100) });
    if (query.since) q.set('since', query.since);
    if (query.cursor) q.set('cursor', query.cursor);
    return this.#json(historyResponseSchema, `/api/v1/inference/history?${q}`);
  }

  /** Deletes a finished entry from the user's history on every device; one already gone (404) counts as done. */
  async deleteHistory(requestId: string): Promise<void> {
    try {
      await this.#json(historyDeletedSchema, `/api/v1/inference/history/${encodeURIComponent(requestId)}`, {
        method: 'DELETE',
      });
    } catch (error) {
      if (!(error instanceof ServerError && error.status === 404)) throw error;
    }
  }

  /** Records a clip made on a device in the user's history, free and idempotent by its client id. */
  async recordLocal(
    clientId: string,
    clip: { model: string; params: GenerateParams; numFrames: number; createdAt: number; recipe?: ClipRecipe },
  ): Promise<string> {
    const { params } = clip;
    const body = {
      ...submitBody({ model: clip.model, params }),
      num_frames: clip.numFrames,
      created_at: new Date(clip.createdAt).toISOString(),
      recipe: clip.recipe,
    };
    const response = await this.#send(`/api/v1/inference/history/${encodeURIComponent(clientId)}`, {
      ...this.#post(body),
      method: 'PUT',
    });
    return String(((await response.json()) as { request_id?: unknown }).request_id ?? '');
  }

  /** Stores a recorded clip's MP4 on the server (once: a second upload is a no-op there). */
  async uploadVideo(clientId: string, mp4: Blob): Promise<void> {
    await this.#send(`/api/v1/inference/history/${encodeURIComponent(clientId)}/video`, {
      method: 'PUT',
      headers: { 'content-type': 'video/mp4' },
      body: mp4,
    });
  }

  /** Stores a conditioning image of a recorded clip (once per slot); the server tells the format by its bytes. */
  async uploadClipImage(clientId: string, slot: string, image: Blob): Promise<void> {
    await this.#send(`/api/v1/inference/history/${encodeURIComponent(clientId)}/images/${slot}`, {
      method: 'PUT',
      body: image,
    });
  }

  /** A file the server names by URL (a signed video URL, a preview), as a blob. */
  async download(url: string, signal?: AbortSignal): Promise<Blob> {
    return (await this.#send(this.onThisServer(url), signal ? { signal } : {})).blob();
  }

  /**
   * `url` fetched from `baseUrl` when it names one of the API's own routes. The server builds result and
   * preview URLs from its PUBLIC_URL (by default `localhost`), which may be another name of this same
   * server than the one the page was opened by (`127.0.0.1`); the page may only connect to its own
   * origin (CSP), and a signed URL's signature covers the job and expiry, not the host.
   */
  onThisServer(url: string): string {
    const parsed = new URL(url, `${this.baseUrl}/`);
    return parsed.pathname.startsWith('/api/v1/') ? `${this.baseUrl}${parsed.pathname}${parsed.search}` : parsed.href;
  }

  /**
   * Follows the job's events until it completes or fails, calling `onEvent` with each; returns the last.
   * A dropped stream is opened again with `Last-Event-ID`, so nothing is seen twice.
   */
  async follow(requestId: string, onEvent: (event: JobEvent) => void, signal?: AbortSignal): Promise<JobEvent> {
    let lastId = '';
    let last: JobEvent | undefined;
    for (let attempt = 0; attempt <= MAX_RECONNECTS; attempt++) {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastId) headers['Last-Event-ID'] = lastId;
      const path = `/api/v1/inference/events/${encodeURIComponent(requestId)}`;
      let response: Response;
      try {
        response = await this.#send(path, { headers, ...(signal && { signal }) });
      } catch (error) {
        // A dropped connection is retried; a refusal (4xx/5xx with a body) is final.
        if (signal?.aborted || !(error instanceof ServerError) || error.status !== 0) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        continue;
      }
      // 204: the job is final and this client has seen its final event already.
      if (response.status === 204 || !response.body) {
        if (last) return last;
        break;
      }
      try {
        for await (const message of readSse(response.body)) {
          const parsed = jobEventSchema.safeParse(parseJson(message.data));
          if (!parsed.success) continue; // an event this client does not know: skip it, keep listening
          lastId = message.id;
          last = parsed.data;
          onEvent(last);
          if (last.status === 'completed' || last.status === 'failed') return last;
        }
      } catch (error) {
        if (signal?.aborted) throw error;
      }
    }
    // The stream would not stay open: fall back to one status read, which says where the job is.
    const status = await this.status(requestId);
    throw new ServerError(
      0,
      'events_lost',
      `Lost the progress stream of job ${requestId} (now ${status.status}, ${status.progress} %); its result will be in the server's history.`,
    );
  }
}
