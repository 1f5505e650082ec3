/**
 * CORS for the API, for a playground served from another origin (its settings name this server's URL).
 * Only origins the operator lists (`CORS_ORIGINS`) get CORS headers; every other cross-origin page is left
 * to the browser's same-origin rule, so a stranger's page cannot read a user's API responses even with the
 * user's key. Preflights are answered here, before authentication (they carry no key).
 */
import type { RequestHandler } from 'express';

/** Headers the playground sends to the API (the key, JSON bodies, idempotent submits, resumed event streams). */
const ALLOWED_HEADERS = ['X-API-Key', 'Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'];
/** Response headers the playground reads besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = ['Retry-After', 'Location', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (allowed.size === 0 || origin === undefined) return next();
    res.vary('Origin'); // a cache must not hand one origin's answer to another
    if (!allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
