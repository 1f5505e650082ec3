/**
 * Fetches a user-given URL without letting it reach our own network (SSRF): every hop's host is resolved
 * and vetted, the connection is pinned to the vetted address, redirects are followed by hand, and the
 * whole transfer has a deadline and a byte limit.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { publicAddressesOnly, type AddressPolicy } from './address-policy';
import { FetchFailedError, UrlRefusedError } from './errors';
import { parseUrl, systemResolver, vetAddress, type ResolvedAddress, type Resolver } from './vet-url';

/** Limits and policy for one fetch. */
export interface SafeFetchOptions {
  /** Allowed schemes, e.g. `['https:']`. */
  protocols: readonly string[];
  maxBytes: number;
  /** For the whole fetch: every hop, headers and body. */
  timeoutMs: number;
  maxRedirects?: number;
  /** Which addresses may be connected to; public unicast only unless a test says otherwise. */
  policy?: AddressPolicy;
  resolve?: Resolver;
  /** Extra trusted CA certificates (tests with a self-signed server); the system store otherwise. */
  ca?: string;
}

/** A response whose body is still streaming; read `body` to the end or destroy it. */
export interface FetchedResponse {
  url: string;
  contentType: string | undefined;
  body: Readable;
}

/**
 * Connects to the vetted address whatever the name resolves to now, so a DNS answer that changes
 * between the check and the connect (DNS rebinding) cannot redirect us. Handles `all: true`, which
 * Node's happy-eyeballs connect asks for.
 */
export function pinnedLookup(vetted: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [vetted]);
    else callback(null, vetted.address, vetted.family);
  }) as LookupFunction;
}

function requestOnce(url: URL, vetted: ResolvedAddress, signal: AbortSignal, ca?: string): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, {
      lookup: pinnedLookup(vetted),
      agent: false,
      signal,
      ...(ca ? { ca } : {}),
      headers: { 'user-agent': 'Phosphene-import/1', accept: '*/*' },
    });
    req.on('response', resolve);
    req.on('error', (error) =>
      reject(signal.aborted ? signal.reason : new FetchFailedError(`Could not fetch ${url.origin}: ${error.message}.`)),
    );
  });
}

function byteLimit(maxBytes: number, url: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new FetchFailedError(`${url} is larger than the ${maxBytes}-byte limit.`));
      else callback(null, chunk);
    },
  });
}

/** Fetches `raw`, following at most `maxRedirects` (5) redirects, each one vetted like the first URL. */
export async function safeFetch(raw: string, options: SafeFetchOptions): Promise<FetchedResponse> {
  const policy = options.policy ?? publicAddressesOnly;
  const resolve = options.resolve ?? systemResolver;
  const maxRedirects = options.maxRedirects ?? 5;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new FetchFailedError(`The fetch took longer than ${options.timeoutMs / 1000} s.`)),
    options.timeoutMs,
  );
  try {
    let url = parseUrl(raw, options.protocols);
    for (let hop = 0; ; hop++) {
      const res = await requestOnce(url, await vetAddress(url, policy, resolve), controller.signal, options.ca);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hop >= maxRedirects) throw new FetchFailedError(`${raw} redirects more than ${maxRedirects} times.`);
        try {
          url = parseUrl(new URL(res.headers.location, url).toString(), options.protocols);
        } catch (error) {
          throw new UrlRefusedError(`${url.origin} redirects to a refused URL: ${(error as Error).message}`);
        }
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new FetchFailedError(`${url.origin}${url.pathname} answered HTTP ${status}.`);
      }
      const declared = Number(res.headers['content-length']);
      if (declared > options.maxBytes) {
        res.destroy();
        throw new FetchFailedError(
          `${url.origin}${url.pathname} is ${declared} bytes, over the ${options.maxBytes}-byte limit.`,
        );
      }
      const body = res.pipe(byteLimit(options.maxBytes, `${url.origin}${url.pathname}`));
      res.on('error', (error) => body.destroy(controller.signal.aborted ? (controller.signal.reason as Error) : error));
      controller.signal.addEventListener('abort', () => body.destroy(controller.signal.reason as Error), {
        once: true,
      });
      body.on('close', () => {
        clearTimeout(timer);
        res.destroy();
      });
      return { url: url.toString(), contentType: res.headers['content-type'], body };
    }
  } catch (error) {
    clearTimeout(timer);
    controller.abort();
    throw error;
  }
}

/** Fetches `raw` into memory (for bounded things like images). */
export async function fetchBuffer(
  raw: string,
  options: SafeFetchOptions,
): Promise<{ url: string; contentType: string | undefined; bytes: Buffer }> {
  const { url, contentType, body } = await safeFetch(raw, options);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return { url, contentType, bytes: Buffer.concat(chunks) };
}
