/**
 * Slow request bodies time out everywhere but on the upload routes. Node's `requestTimeout` is one value
 * for the whole server, and LoRA uploads (2 × 2048 MB) need hours of it, so without this a client
 * trickling one byte every 10 s held any route's connection open for those hours (issue 10).
 */
import type { RequestHandler } from 'express';

/** Routes whose bodies may take as long as the server's `requestTimeout` (multipart uploads). */
export const UPLOAD_ROUTES: readonly string[] = ['/api/v1/storage/image/upload', '/api/v1/storage/lora/upload'];

/** The default time a non-upload request has to deliver its whole body. */
export const BODY_TIMEOUT_MS = 30_000;

/**
 * Answers 408 `request_timeout` and closes the connection when a request's body has not fully arrived
 * `ms` after the request reached the app; a request without a body is complete on arrival and costs nothing.
 */
export function bodyTimeout(ms = BODY_TIMEOUT_MS, uploadRoutes = UPLOAD_ROUTES): RequestHandler {
  return (req, res, next) => {
    if (req.complete || uploadRoutes.includes(req.path)) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      res.once('finish', () => req.socket.destroy());
      if (res.headersSent) return void req.socket.destroy();
      res
        .status(408)
        .set('Connection', 'close')
        .json({
          error: {
            code: 'request_timeout',
            message: `The request body did not arrive within ${ms / 1000} s; send it at once and retry.`,
          },
        });
    }, ms);
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}
