/** The `Idempotency-Key` request header and the fingerprint of the request it guards. */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { HttpError } from '../http-error';

/** Header name (IETF draft-ietf-httpapi-idempotency-key-header; Stripe's spelling). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

// Printable ASCII, as the draft's sf-string allows; 255 like Stripe, room for a UUID or a hash.
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** The request's key, undefined without the header, or a 400 that says what a key may be. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? undefined : raw.trim();
  if (key === undefined || !VALID_KEY.test(key))
    throw new HttpError(
      400,
      'validation_error',
      `Invalid request: ${IDEMPOTENCY_HEADER} header: send it once, 1 to 255 printable ASCII characters (a fresh UUID per operation is a good key).`,
    );
  return key;
}

/** JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of a JSON body as the client meant it (key order and whitespace ignored). */
export const jsonFingerprint = (body: unknown): string =>
  createHash('sha256')
    .update(canonicalJson(body ?? {}))
    .digest('hex');

/** sha256 of named binary parts (an upload: part name and bytes, in order). */
export function partsFingerprint(parts: { name: string; bytes: Uint8Array }[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.name}\0${part.bytes.length}\0`).update(part.bytes);
  return hash.digest('hex');
}
