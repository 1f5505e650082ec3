/**
 * What a Phosphene (or Phosor) server's refusal means to a person: the HTTP status and the server's own
 * `{ error: { code, message } }`, turned into one sentence that says what to do next.
 */
import { PhospheneError } from '../../shared/errors';

/** A refusal or failure of the server, with its HTTP status (0: not reached) and error code. */
export class ServerError extends PhospheneError {
  override name = 'ServerError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The advice for the statuses a client must handle (Phosor's error table); others keep the server's words. */
const ADVICE: Record<number, string> = {
  401: 'The server refused the API key: paste a valid key (phk_…) in Settings, or ask its operator for one.',
  402: 'Not enough credits on the server for this job: choose fewer frames or a smaller size, run it on this device (free), or add credits.',
  429: 'Too many requests or jobs at once on this key: wait for a running job to finish, then try again.',
  503: 'The server’s queue is full right now: try again in a minute, or run the job on this device.',
};

/** The error for a non-2xx answer, from its status and (untrusted) body. */
export function serverErrorOf(status: number, body: unknown): ServerError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const said = typeof error?.message === 'string' ? error.message.slice(0, 500) : '';
  const advice = ADVICE[status];
  const message = advice
    ? said
      ? `${advice} (The server said: ${said})`
      : advice
    : said || `The server answered ${status}.`;
  return new ServerError(status, code, message);
}

/** The error for a server that could not be reached at all. */
export function unreachable(baseUrl: string, cause: unknown): ServerError {
  const why = cause instanceof Error ? cause.message : String(cause);
  // The browser says no more than "Failed to fetch" when CORS or this page's CSP blocked the request.
  const elsewhere =
    globalThis.location && new URL(baseUrl).origin !== globalThis.location.origin
      ? ` A server on another origin must list ${globalThis.location.origin} in its CORS_ORIGINS, and this page's server must list ${new URL(baseUrl).origin} in its CONNECT_SRC.`
      : '';
  return new ServerError(
    0,
    'unreachable',
    `Cannot reach the server at ${baseUrl} (${why}). Check the network, or run the job on this device.${elsewhere}`,
  );
}
