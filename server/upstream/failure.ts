/** The job failure an upstream error becomes: `upstream_<kind>`, with what the upstream said. */
import type { JobFailure } from '../jobs/queue';
import { UpstreamError } from './client';

/** The failure of `error` when an upstream caused it, else undefined. */
export function upstreamFailure(error: unknown): JobFailure | undefined {
  if (!(error instanceof UpstreamError)) return undefined;
  return { code: `upstream_${error.kind}`, message: `${error.message}; its credits were refunded.` };
}

/** A failure as the route log keeps it: a provider that failed is not where the refund happens. */
export const withoutRefundNote = (failure: JobFailure): JobFailure => ({
  code: failure.code,
  message: failure.message.replace(/[;.] [Ii]ts credits were refunded\.?$/, '.'),
});
