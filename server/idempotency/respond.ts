/** Runs a POST route's work at most once per Idempotency-Key and answers retries with the first answer. */
import type { Request, Response } from 'express';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { idempotencyKeyOf } from './header';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotentRequest,
  type StoredAnswer,
} from './keys';

/** Set on a replayed answer, so a client can tell a retry's answer from a first one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Without the header, runs `work` and sends its answer. With it: replays the stored answer, or reserves
 * the key, runs `work` (which may complete the key itself inside its own transaction, as submit does
 * to make the charge and the record one commit), stores the answer and sends it. A failure releases
 * the key: errors are answered, never replayed. `fingerprint` is called only when a key is present.
 */
export async function respondIdempotently(
  db: Database,
  req: Request,
  res: Response,
  route: string,
  fingerprint: () => string,
  work: (key: IdempotentRequest | undefined) => Promise<StoredAnswer>,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) {
    send(res, await work(undefined));
    return;
  }
  const request: IdempotentRequest = { userId: authOf(res).user.id, route, key, fingerprint: fingerprint() };
  const replay = await claimIdempotencyKey(db, request);
  if (replay) {
    res.setHeader(REPLAYED_HEADER, 'true');
    send(res, replay);
    return;
  }
  let answer: StoredAnswer;
  try {
    answer = await work(request);
  } catch (error) {
    // The caller's error is the answer; a failed release only leaves a reservation that turns stale.
    await releaseIdempotencyKey(db, request).catch(() => undefined);
    throw error;
  }
  await completeIdempotencyKey(db, request, answer);
  send(res, answer);
}

const send = (res: Response, answer: StoredAnswer) => res.status(answer.statusCode).json(answer.body);
