/**
 * Records, inside the page, every stage and step the playground shows while a job runs (however fast they
 * pass), when it showed `done`, and the main thread's long tasks (> 50 ms). The e2e spec reads the stages;
 * `npm run bench -- browser` reads the long tasks (a timing check belongs in a benchmark: on a loaded CI
 * machine a garbage collection or a layout can pass 50 ms without anything being wrong).
 */
import type { Page } from 'playwright-core';

/** What the probe has seen. */
export interface JobProbe {
  seen: string[];
  longTasks: { start: number; ms: number }[];
  /** Long animation frames (> 50 ms) with the scripts that ran in them: where a long task came from. */
  longFrames: { start: number; ms: number; scripts: string[] }[];
  /** performance.now() when the progress first read `done` (Infinity until then). */
  doneAt: number;
  /** performance.now() when the probe was installed, just before the job starts. */
  startAt: number;
}

export async function installJobProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { jobProbe: JobProbe };
    const probe: JobProbe = {
      seen: [],
      longTasks: [],
      longFrames: [],
      doneAt: Infinity,
      startAt: performance.now(),
    };
    w.jobProbe = probe;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid=progress]');
      const text = `${el?.getAttribute('data-stage')}|${document.querySelector('[data-testid=progress-detail]')?.textContent}`;
      if (el && probe.seen.at(-1) !== text) probe.seen.push(text);
      if (el?.getAttribute('data-status') === 'done') probe.doneAt = Math.min(probe.doneAt, performance.now());
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    new PerformanceObserver((list) => {
      probe.longTasks.push(...list.getEntries().map((e) => ({ start: e.startTime, ms: e.duration })));
    }).observe({ type: 'longtask' });
    // Chromium's long-animation-frame entries name the scripts (invoker, function, ms) of each long frame.
    type Script = { invoker?: string; sourceFunctionName?: string; sourceURL?: string; duration: number };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { scripts?: Script[] })[])
        probe.longFrames.push({
          start: e.startTime,
          ms: e.duration,
          scripts: (e.scripts ?? []).map(
            (s) =>
              `${s.invoker ?? '?'} ${s.sourceFunctionName ?? ''}@${(s.sourceURL ?? '').split('/').pop()} ${Math.round(s.duration)} ms`,
          ),
        });
    }).observe({ type: 'long-animation-frame', buffered: false });
  });
}

export async function readJobProbe(page: Page): Promise<JobProbe> {
  return page.evaluate(() => (window as unknown as { jobProbe: JobProbe }).jobProbe);
}

/** The long animation frames that began while the job ran, with their scripts. */
export function longFramesDuringJob(probe: JobProbe): JobProbe['longFrames'] {
  return probe.longFrames.filter((t) => t.start >= probe.startAt && t.start < probe.doneAt);
}

/** The long tasks that began while the job ran (between the probe's start and `done`). */
export function longTasksDuringJob(probe: JobProbe): JobProbe['longTasks'] {
  return probe.longTasks.filter((t) => t.start >= probe.startAt && t.start < probe.doneAt);
}
