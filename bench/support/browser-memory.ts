/**
 * The memory of one headless Chromium, read from /proc (Linux): each process's proportional set size (PSS,
 * `smaps_rollup`), which splits pages shared between processes (libraries, shared memory) among them, so the
 * sum is the browser's real footprint; RSS summed over processes counts shared pages once per process. Split
 * by Chromium's process type (`--type=` on the command line; none for the browser process itself).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface BrowserMemory {
  /** Summed RSS (bytes): overcounts what the processes share. */
  rss: number;
  /** Summed PSS (bytes). */
  pss: number;
  /** PSS by process type: browser, renderer, gpu-process, utility, zygote… */
  byType: Record<string, number>;
}

const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);

/** The memory of every process whose command line names `profile` (the browser's user-data folder). */
export function browserMemory(profile: string): BrowserMemory {
  const memory: BrowserMemory = { rss: 0, pss: 0, byType: {} };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes(profile)) continue;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const type = /--type=([\w-]+)/.exec(cmdline)?.[1] ?? 'browser';
      const pss = kb(rollup, 'Pss') * 1024;
      memory.rss += kb(rollup, 'Rss') * 1024;
      memory.pss += pss;
      memory.byType[type] = (memory.byType[type] ?? 0) + pss;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return memory;
}

/** Samples `browserMemory` every `ms` until stopped; `peak` is the sample of the largest PSS. */
export function sampleBrowserMemory(profile: string, ms = 50): { stop: () => BrowserMemory } {
  let peak = browserMemory(profile);
  const timer = setInterval(() => {
    const now = browserMemory(profile);
    if (now.pss > peak.pss) peak = now;
  }, ms);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
