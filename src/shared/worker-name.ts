/**
 * The generate worker's name carries its start-up options: a dedicated worker sees its `name` before
 * any message arrives, so the backend is configured before the first job without an extra round trip.
 */
const BASE = 'phosphene-generate';
const PLACEMENT = '+placement';

/** The worker's name for these options. */
export function workerName(options: { placement?: boolean }): string {
  return options.placement ? `${BASE} ${PLACEMENT}` : BASE;
}

/** Whether a worker of this name reports node placement (a second, verbose compile of every graph). */
export function placementRequested(name: string | undefined): boolean {
  return (name ?? '').split(' ').includes(PLACEMENT);
}
