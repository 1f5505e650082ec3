import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { generateFramesNode, type NodeGenerateRequest } from '../../../server/models/node-generate';
import { withAllFrames } from '../../../src/pipeline/frames';
import { pipelineCache, type PipelineCache } from '../../../server/models/pipeline-cache';
import type { ProgressEvent } from '../../../src/shared/protocol';

const TINY = path.resolve('tests/fixtures/models/phosphene-tiny');
/** A job on the cache, with every frame. */
const run = (cache: PipelineCache, request: NodeGenerateRequest) =>
  withAllFrames((sink) => cache.generate(request, sink));

const params = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1, seed: 3 };

describe('pipelineCache', () => {
  describe('across jobs of one package, variant and provider', () => {
    it('loads the package once and gives the frames a fresh load gives', async () => {
      const cache = pipelineCache({ idleMs: 60_000 });
      const loads: ProgressEvent[][] = [[], []];
      try {
        const first = await run(cache, { modelDir: TINY, params, onProgress: (e) => loads[0]!.push(e) });
        const second = await run(cache, { modelDir: TINY, params, onProgress: (e) => loads[1]!.push(e) });
        expect(loads[0]!.some((e) => e.type === 'load')).toBe(true);
        expect(loads[1]!.some((e) => e.type === 'load')).toBe(false);
        expect(cache.size()).toBe(1);
        const fresh = await generateFramesNode({ modelDir: TINY, params });
        expect(Buffer.from(second.frames.rgba).equals(Buffer.from(fresh.frames.rgba))).toBe(true);
        expect(Buffer.from(first.frames.rgba).equals(Buffer.from(fresh.frames.rgba))).toBe(true);
      } finally {
        await cache.releaseAll();
      }
    });
  });

  describe('with another variant', () => {
    it('keeps a second pipeline', async () => {
      const cache = pipelineCache({ idleMs: 60_000 });
      try {
        await run(cache, { modelDir: TINY, params });
        await run(cache, { modelDir: TINY, params, variant: 'q4' });
        expect(cache.size()).toBe(2);
      } finally {
        await cache.releaseAll();
      }
    });
  });

  describe('after the idle timeout', () => {
    it('releases every pipeline, and the next job loads again', async () => {
      const cache = pipelineCache({ idleMs: 50 });
      await run(cache, { modelDir: TINY, params });
      while (cache.size() > 0) await sleep(20);
      const events: ProgressEvent[] = [];
      await run(cache, { modelDir: TINY, params, onProgress: (e) => events.push(e) });
      expect(events.some((e) => e.type === 'load')).toBe(true);
      await cache.releaseAll();
    });
  });
});
