/**
 * One JSON line per request (pino-http): request id, method, URL, matched route, status and latency.
 * No headers are logged, so `X-API-Key` and cookies cannot leak; a signed URL's `signature` and any key
 * in the URL are redacted. A 500's error becomes fields of that same line: its name, SQLSTATE code,
 * redacted message and top stack frames, never a driver's query, parameters or detail (which hold
 * prompts and other user data).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactSecrets } from '../auth/redact';
import { errorSummary } from './error-summary';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The URL with secrets in its query (signatures, keys) redacted. */
export function redactUrl(url: string): string {
  return redactSecrets(url).replace(/([?&](?:signature|api_key|key|token)=)[^&#]*/gi, '$1[redacted]');
}

/** The matched Express route (`/api/v1/inference/status/:request_id`), or null for static files and 404s. */
function routeOf(req: IncomingMessage): string | null {
  const { route, baseUrl, originalUrl } = req as Partial<Request>;
  if (!route) return null;
  const routePath = String(route.path);
  if (baseUrl) return `${baseUrl}${routePath}`;
  // After an error Express has already restored `baseUrl`: the mount path is what precedes the route's segments.
  const segments = (originalUrl ?? '').split('?')[0]!.split('/').filter(Boolean);
  const mount = segments.slice(0, segments.length - routePath.split('/').filter(Boolean).length);
  return `${mount.length ? `/${mount.join('/')}` : ''}${routePath}`;
}

const urlOf = (req: IncomingMessage) => redactUrl((req as Partial<Request>).originalUrl ?? req.url ?? '');
const message = (req: IncomingMessage, res: ServerResponse) =>
  `${req.method} ${routeOf(req) ?? urlOf(req).split('?')[0]} ${res.statusCode}`;

/** The request-logging middleware; it also answers each request's id in `X-Request-Id`. */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId(req, res) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, url: urlOf(req) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: errorSummary,
    },
    // pino-http calls this at the start too (for the request's child logger), before any route matched.
    customProps: (req, res) => (res.headersSent ? { route: routeOf(req) } : {}),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: message,
    customErrorMessage: message,
  }) as unknown as RequestHandler;
}
