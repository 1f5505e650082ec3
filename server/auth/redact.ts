/** Keeps API keys out of logs: every log line that may hold a request passes through here first. */

const SECRET = /phk_[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*/g;
const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'cookie', 'set-cookie']);

/** Replaces each API key in `text` by its display prefix and `…[redacted]`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (s) => `${s.slice(0, 12)}…[redacted]`);
}

/** A copy of `headers` whose credential headers read `[redacted]`, for request logs. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : typeof value === 'string' ? redactSecrets(value) : value,
    ]),
  );
}
