/**
 * One JSON line per request: request id, method, URL, matched route, status and latency.
 * No headers are logged, so `X-API-Key` and cookies cannot leak; a signed URL's `signature` and any key
 * in the URL are redacted. A 500's error becomes fields of that same line: its name, SQLSTATE code,
 * redacted message and top stack frames, never a driver's query, parameters or detail (which hold
 * prompts and other user data).
 *
 * Written here rather than with pino-http: that made a child logger and serialised every request even
 * when the level dropped the line, a fifth of the server's CPU under a status-polling load.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
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

/** Errors that answered a 500, for that request's log line (set by the app's error handler). */
const failures = new WeakMap<ServerResponse, unknown>();

/** Puts `error` on the log line of the request `res` answers. */
export function logErrorWith(res: Response, error: unknown): void {
  failures.set(res, error);
}

/** The request-logging middleware; it also answers each request's id in `X-Request-Id`. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      const error = failures.get(res);
      const aborted = !res.writableFinished;
      const level = error || res.statusCode >= 500 ? 'error' : aborted ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        req: { id, method: req.method, url: urlOf(req) },
        route: routeOf(req),
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (error !== undefined) line.err = errorSummary(error);
      logger[level](line, aborted ? `${message(req, res)} (the client went away first)` : message(req, res));
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
