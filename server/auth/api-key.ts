/** The `X-API-Key` middleware: who is calling, and whether they are over the rate limit. */
import type { RequestHandler, Response } from 'express';
import type { User } from '../accounts/users';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { authenticateCached } from './key-cache';
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

const rateLimited = (retryAfter: number, what: string): HttpError =>
  new HttpError(429, 'rate_limited', `Rate limit exceeded: ${what}; retry in ${retryAfter} s.`);

/**
 * Checks `X-API-Key` (401 when missing, unknown or revoked), then the user's rate limit (429 with
 * Retry-After), and sets `res.locals.auth`. Keys that fail count against the client's address, which
 * gets 429 instead of 401 past its limit, without a key lookup. The key itself never reaches a log or
 * an error message.
 */
export function requireApiKey(db: Database, limiter: RateLimiter = new RateLimiter(db)): RequestHandler {
  const { limit, windowMs } = limiter.options;
  const perWindow = `${windowMs / 1000} s`;
  return async (req, res, next) => {
    const address = `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const refuse = (retryAfter: number, what: string) => {
      res.setHeader('Retry-After', String(retryAfter));
      next(rateLimited(retryAfter, what));
    };
    const failures = `${limiter.failedAuthLimit} requests with an invalid API key per ${perWindow} per address`;
    const blocked = limiter.blocked(address);
    if (blocked) return refuse(blocked, failures);
    const secret = req.get('x-api-key');
    const auth = secret ? await authenticateCached(db, secret) : undefined;
    if (!auth) {
      const retryAfter = secret ? await limiter.hit(address, limiter.failedAuthLimit) : 0;
      return retryAfter ? refuse(retryAfter, failures) : next(invalidKey());
    }
    const retryAfter = await limiter.hit(`user:${auth.user.id}`);
    if (retryAfter > 0) return refuse(retryAfter, `${limit} requests per ${perWindow} per user, all keys together`);
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
