/**
 * Webhook signatures: HMAC-SHA256 with the job's secret over `<timestamp>.<body>`, sent as
 * `Phosphene-Signature: t=<unix seconds>,v1=<hex>` (Stripe's layout). The timestamp lets a receiver
 * refuse replays older than a few minutes; the event id (`Phosphene-Event-Id`) lets it drop duplicates.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Phosphene-Signature';
export const EVENT_ID_HEADER = 'Phosphene-Event-Id';

/** The hex HMAC of one delivery. */
export const signatureOf = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The header value for a body sent at `timestamp` (unix seconds). */
export const signatureHeader = (secret: string, timestamp: number, body: string): string =>
  `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;

/**
 * What a receiver does: true when `header` signs `body` with `secret` and its timestamp is within
 * `toleranceS` of `nowS`. Exported for our tests and as the reference for receivers.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowS = Math.floor(Date.now() / 1000),
  toleranceS = 300,
): boolean {
  const fields = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(fields.t);
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowS - timestamp) > toleranceS || !fields.v1) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
  const given = Buffer.from(fields.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
