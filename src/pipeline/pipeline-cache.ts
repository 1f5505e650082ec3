/**
 * Loaded pipelines kept between jobs, for every runtime: loading, hashing and compiling a package costs
 * more than a short job. Entries are keyed by the caller (package, variant, provider) and released
 * (their ONNX sessions, and so GPU or native memory) after `idleMs` without a job, on `releaseAll`
 * (`unload`), or to make room when a new key would pass `maxEntries`. A pipeline is never released
 * while a job runs on it: a release asked for then happens when its last job ends.
 *
 * The browser's worker keeps one entry (a GPU holds one model at a time); the server's inference worker
 * keeps several (`server/models/pipeline-cache.ts`).
 */
import type { VideoPipeline } from './video-pipeline';

/** What the cache needs of a pipeline: only its release. */
type Releasable = Pick<VideoPipeline, 'release'>;

interface Entry<P> {
  pipeline: Promise<P>;
  running: number;
  /** Released as soon as `running` reaches 0. */
  doomed: boolean;
}

/** The cache's options. */
export interface PipelineCacheOptions {
  /** Release everything after this long without a job. */
  idleMs: number;
  /** At most this many pipelines loaded; a new key releases idle ones first (default: no limit). */
  maxEntries?: number;
}

/** Pipelines kept between jobs. */
export interface PipelineCache<P extends Releasable = VideoPipeline> {
  /** Runs `job` on the pipeline of `key`, loading it with `load` when it is not kept. */
  use<T>(key: string, load: () => Promise<P>, job: (pipeline: P) => Promise<T>): Promise<T>;
  /** How many pipelines are loaded (or loading). */
  size(): number;
  /** Releases every pipeline now, or, for one a job runs on, when that job ends. */
  releaseAll(): Promise<void>;
}

export function createPipelineCache<P extends Releasable = VideoPipeline>(
  options: PipelineCacheOptions,
): PipelineCache<P> {
  const entries = new Map<string, Entry<P>>();
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const release = async (key: string, entry: Entry<P>) => {
    if (entries.get(key) === entry) entries.delete(key);
    const pipeline = await entry.pipeline.catch(() => null);
    await pipeline?.release();
  };

  const releaseAll = async () => {
    clearTimeout(idleTimer);
    const now: Promise<void>[] = [];
    for (const [key, entry] of entries) {
      if (entry.running > 0) entry.doomed = true;
      else now.push(release(key, entry));
    }
    await Promise.all(now);
  };

  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    if ([...entries.values()].some((e) => e.running > 0)) return;
    idleTimer = setTimeout(() => void releaseAll(), options.idleMs);
    // Node: an idle cache must not keep the process alive (browsers' timers have no unref).
    (idleTimer as { unref?: () => void }).unref?.();
  };

  const use = async <T>(key: string, load: () => Promise<P>, job: (pipeline: P) => Promise<T>): Promise<T> => {
    clearTimeout(idleTimer);
    let entry = entries.get(key);
    if (!entry || entry.doomed) {
      // Room first: idle pipelines of other keys go before a new one loads.
      const max = options.maxEntries ?? Infinity;
      const idle = [...entries].filter(([k, e]) => k !== key && e.running === 0);
      const evictions: Promise<void>[] = [];
      while (entries.size >= max && idle.length > 0) {
        const [k, e] = idle.shift()!;
        evictions.push(release(k, e));
      }
      await Promise.all(evictions);
      entry = { pipeline: load(), running: 0, doomed: false };
      const loading = entry;
      entries.set(key, loading);
      loading.pipeline.catch(() => {
        if (entries.get(key) === loading) entries.delete(key);
      });
    }
    entry.running++;
    try {
      return await job(await entry.pipeline);
    } finally {
      entry.running--;
      if (entry.running === 0 && entry.doomed) await release(key, entry);
      armIdleTimer();
    }
  };

  return { use, size: () => entries.size, releaseAll };
}
