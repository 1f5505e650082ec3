/** Housekeeping on a timer: each run after the previous one ends, errors logged and never thrown. */
import { errorSummary } from '../log/error-summary';
import { log } from '../log/logger';

/** A running periodic task. */
export interface Periodic {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `task` now and then every `intervalMs`; the timer does not keep the process alive. */
export function runPeriodically(what: string, task: () => Promise<unknown>, intervalMs: number): Periodic {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(() =>
      task().then(
        () => undefined,
        (error: unknown) => log.error({ err: errorSummary(error) }, `${what} failed`),
      ),
    );
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
