/** The `X-API-Key` middleware: who is calling, and whether they are over the rate limit. */
import type { RequestHandler, Response } from 'express';
import { authenticate } from '../accounts/keys';
import type { User } from '../accounts/users';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { RateLimiter } from './rate-limit';

/** What an authenticated request carries in `res.locals.auth`. */
export interface AuthContext {
  user: User;
  keyId: string;
}

const invalidKey = (): HttpError =>
  new HttpError(
    401,
    'invalid_api_key',
    'Invalid API key: send a valid, unrevoked key in the X-API-Key header (create one with `npm run admin -- create-key --email …`).',
  );

/**
 * Checks `X-API-Key` (401 when missing, unknown or revoked), then the key's rate limit (429 with
 * Retry-After), and sets `res.locals.auth`. The key itself never reaches a log or an error message.
 */
export function requireApiKey(db: Database, limiter: RateLimiter = new RateLimiter()): RequestHandler {
  return async (req, res, next) => {
    const secret = req.get('x-api-key');
    const auth = secret ? await authenticate(db, secret) : undefined;
    if (!auth) return next(invalidKey());
    const retryAfter = limiter.hit(auth.keyId);
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      return next(
        new HttpError(
          429,
          'rate_limited',
          `Rate limit exceeded: ${limiter.options.limit} requests per ${limiter.options.windowMs / 1000} s per API key; retry in ${retryAfter} s.`,
        ),
      );
    }
    const context: AuthContext = auth;
    res.locals.auth = context;
    next();
  };
}

/** The caller of an authenticated request; a route without `requireApiKey` in front of it is a bug. */
export function authOf(res: Response): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new Error('authOf() called on a route that requireApiKey does not guard.');
  return auth;
}
