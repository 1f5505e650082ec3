/**
 * The pipeline cache both runtimes keep their loaded models in: one load per key, idle release, a
 * release asked for mid-job waits for the job, and `maxEntries` makes room by releasing idle pipelines.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPipelineCache } from '../../src/pipeline/pipeline-cache';

/** A pipeline that counts its loads and releases. */
function fakes() {
  const log: string[] = [];
  const load = (key: string) => async () => {
    log.push(`load ${key}`);
    await sleep(1);
    return { key, release: async () => void log.push(`release ${key}`) };
  };
  return { log, load };
}

describe('createPipelineCache', () => {
  it('loads a key once for every job after, and releases it after the idle time', async () => {
    const { log, load } = fakes();
    const cache = createPipelineCache<{ key: string; release(): Promise<void> }>({ idleMs: 40 });
    expect(await cache.use('a', load('a'), async (p) => p.key)).toBe('a');
    expect(await cache.use('a', load('a'), async (p) => p.key)).toBe('a');
    expect(log).toEqual(['load a']);
    expect(cache.size()).toBe(1);
    while (cache.size() > 0) await sleep(10);
    expect(log).toEqual(['load a', 'release a']);
    await cache.use('a', load('a'), async () => undefined);
    expect(log.at(-1)).toBe('load a');
    await cache.releaseAll();
  });

  it('never releases a pipeline under a running job: releaseAll then waits for the job to end', async () => {
    const { log, load } = fakes();
    const cache = createPipelineCache<{ key: string; release(): Promise<void> }>({ idleMs: 60_000 });
    let finish!: () => void;
    const job = cache.use('a', load('a'), () => new Promise<void>((resolve) => (finish = resolve)));
    while (!finish) await sleep(1);
    await cache.releaseAll();
    expect(log).toEqual(['load a']);
    finish();
    await job;
    expect(log).toEqual(['load a', 'release a']);
    expect(cache.size()).toBe(0);
  });

  it('with maxEntries 1 releases the idle pipeline before loading another (one model on a GPU)', async () => {
    const { log, load } = fakes();
    const cache = createPipelineCache<{ key: string; release(): Promise<void> }>({ idleMs: 60_000, maxEntries: 1 });
    await cache.use('a', load('a'), async () => undefined);
    await cache.use('b', load('b'), async () => undefined);
    expect(log).toEqual(['load a', 'release a', 'load b']);
    expect(cache.size()).toBe(1);
    await cache.releaseAll();
    expect(log.at(-1)).toBe('release b');
  });

  it('forgets a load that failed, so the next job tries again', async () => {
    const cache = createPipelineCache<{ release(): Promise<void> }>({ idleMs: 60_000 });
    const failing = () => Promise.reject(new Error('bad package'));
    await expect(cache.use('a', failing, async () => undefined)).rejects.toThrow('bad package');
    expect(cache.size()).toBe(0);
    expect(
      await cache.use(
        'a',
        async () => ({ release: async () => undefined }),
        async () => 'ok',
      ),
    ).toBe('ok');
    await cache.releaseAll();
  });
});
