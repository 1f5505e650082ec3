/**
 * A client of another Phosor-compatible server's inference API: submit, status, result, cancel, image
 * upload and the video download. Every failure is an `UpstreamError` whose kind says why, so the worker
 * can move the job to the next provider and tell its owner what happened.
 */
import type { Upstream } from './config';

/** Why an upstream could not run a job. */
export type UpstreamErrorKind =
  /** No answer: refused connection, DNS, timeout. */
  | 'unreachable'
  /** 429 or 503: busy, rate-limited or its queue is full. */
  | 'capacity'
  /** 4xx: it will not take this job (bad key, no credits, unknown model). */
  | 'refused'
  /** 5xx, a malformed answer, or the job failed there. */
  | 'failed';

/** An upstream failed a job or a request of it. */
export class UpstreamError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: UpstreamErrorKind,
    message: string,
  ) {
    super(`upstream ${provider}: ${message}`);
    this.name = 'UpstreamError';
  }
}

/** An upstream job's status. */
export interface UpstreamStatus {
  status: 'queued' | 'processing' | 'completed' | 'failed';
  progress: number;
  error?: { code?: string; message?: string };
}

/** Each request's own deadline; downloads get `downloadTimeoutMs`. */
const REQUEST_TIMEOUT_MS = 30_000;

interface CallOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Talks to one upstream with its key. */
export class UpstreamClient {
  constructor(readonly upstream: Upstream) {}

  private error(kind: UpstreamErrorKind, message: string): UpstreamError {
    return new UpstreamError(this.upstream.name, kind, message);
  }

  /** The absolute URL of an API path or of a URL it answered with (relative ones are against its origin). */
  resolve(pathOrUrl: string): URL {
    return new URL(pathOrUrl, `${this.upstream.url}/`);
  }

  private async call(path: string, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { 'X-API-Key': this.upstream.api_key, Accept: 'application/json' };
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(this.resolve(path.replace(/^\//, '')), {
        method: options.method ?? 'GET',
        headers,
        body: options.form ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        redirect: 'error',
      });
    } catch (error) {
      options.signal?.throwIfAborted();
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw this.error('unreachable', `${options.method ?? 'GET'} ${path} got no answer (${cause})`);
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const detail =
        isRecord(body) && isRecord(body.error) ? `${body.error.code}: ${body.error.message}` : text.slice(0, 200);
      const kind = res.status === 429 || res.status === 503 ? 'capacity' : res.status < 500 ? 'refused' : 'failed';
      throw this.error(kind, `${options.method ?? 'GET'} ${path} answered ${res.status} (${detail})`);
    }
    if (!isRecord(body)) throw this.error('failed', `${options.method ?? 'GET'} ${path} answered something not JSON`);
    return body;
  }

  /** Submits a Phosor body; the key makes a repeat (after our worker restarted) return the same job. */
  async submit(body: Record<string, unknown>, idempotencyKey: string, signal?: AbortSignal): Promise<string> {
    const answer = await this.call('/api/v1/inference/submit', { method: 'POST', json: body, idempotencyKey, signal });
    if (typeof answer.request_id !== 'string' || !answer.request_id)
      throw this.error('failed', 'submit answered without a request_id');
    return answer.request_id;
  }

  async status(id: string, signal?: AbortSignal): Promise<UpstreamStatus> {
    const answer = await this.call(`/api/v1/inference/status/${encodeURIComponent(id)}`, { signal });
    const status = answer.status;
    if (status !== 'queued' && status !== 'processing' && status !== 'completed' && status !== 'failed')
      throw this.error('failed', `status of ${id} is ${JSON.stringify(status)}, not a Phosor state`);
    const progress = typeof answer.progress === 'number' && Number.isFinite(answer.progress) ? answer.progress : 0;
    const error = isRecord(answer.error)
      ? { code: String(answer.error.code ?? ''), message: String(answer.error.message ?? '') }
      : undefined;
    return { status, progress: Math.max(0, Math.min(100, progress)), error };
  }

  /** The result's video URL (absolute) and the model the upstream says ran, when it says. */
  async result(id: string, signal?: AbortSignal): Promise<{ url: URL; model?: string }> {
    const answer = await this.call(`/api/v1/inference/result/${encodeURIComponent(id)}`, { signal });
    const data = isRecord(answer.data) ? answer.data : {};
    const url = isRecord(data.video) && typeof data.video.url === 'string' ? data.video.url : undefined;
    if (!url) throw this.error('failed', `result of ${id} has no data.video.url`);
    let resolved: URL;
    try {
      resolved = this.resolve(url);
    } catch {
      throw this.error('failed', `result of ${id} has an invalid video URL`);
    }
    const model = typeof data.model === 'string' && data.model.length <= 200 ? data.model : undefined;
    return { url: resolved, model };
  }

  /** Best effort: asks the upstream to stop a job we no longer want (our cancel extension; Phosor has none). */
  async cancel(id: string): Promise<void> {
    await this.call(`/api/v1/inference/cancel/${encodeURIComponent(id)}`, { method: 'POST', json: {} }).catch(() => {});
  }

  /** Uploads a first frame; returns the upstream's key for `image_url`. */
  async uploadImage(bytes: Uint8Array, idempotencyKey: string, signal?: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'image');
    const answer = await this.call('/api/v1/storage/image/upload', { method: 'POST', form, idempotencyKey, signal });
    const key = answer.image_url ?? answer.key;
    if (typeof key !== 'string' || !key) throw this.error('failed', 'image upload answered without a key');
    return key;
  }

  /** The upstream is who we trust: a download from its own origin carries no SSRF risk we did not configure. */
  sameOrigin(url: URL): boolean {
    return url.origin === new URL(this.upstream.url).origin;
  }
}
