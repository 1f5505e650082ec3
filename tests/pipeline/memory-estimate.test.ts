import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateJobMemory, fittingResolutions, largestFittingFrames } from '../../src/pipeline/memory-estimate';
import { parseManifest, type ModelManifest } from '../../src/pipeline/model-package/manifest';

const tiny = parseManifest(JSON.parse(readFileSync('tests/fixtures/models/phosphene-tiny/model.json', 'utf8')));
// The built-in package's architecture and presets (the fixture's, at the sizes bench/job-memory.ts measured).
const builtIn: ModelManifest = {
  ...tiny,
  resolutions: [
    { width: 256, height: 144, max_frames: 81, label: '144p' },
    { width: 854, height: 480, max_frames: 161, label: '480p' },
  ],
};

/** Peak RSS (VmHWM) of a fresh worker process, `bench/job-memory.ts`, 2026-12-02, phosphene-random, 4 steps. */
const MEASURED: [number, number, number, number][] = [
  [256, 144, 33, 487],
  [256, 144, 81, 809],
  [854, 480, 17, 2463],
  [854, 480, 49, 8301],
];

describe('estimateJobMemory', () => {
  describe('with the measured formula', () => {
    it.each(MEASURED)('plans %i×%i×%i at or above its measured peak (%i MB), within 50 %', (w, h, f, peak) => {
      const planned = estimateJobMemory(builtIn, { width: w, height: h, num_frames: f });
      expect(planned).toBeGreaterThanOrEqual(peak);
      expect(planned).toBeLessThanOrEqual(peak * 1.5);
    });

    it('grows faster than the frames (attention over all latent tokens)', () => {
      const at = (f: number) => estimateJobMemory(builtIn, { width: 854, height: 480, num_frames: f });
      expect(at(161) - at(81)).toBeGreaterThan(at(81) - at(1 + 4));
    });
  });

  describe('for a package with a size-independent latent grid and a chunked decoder', () => {
    it('plans one decoded chunk and 4 bytes per finished pixel (streamed to the encoder) instead of the whole clip', () => {
      const chunked = {
        ...builtIn,
        latent: { ...builtIn.latent, base_short_side: 72 },
        graphs: { ...builtIn.graphs, vae_decoder: { ...builtIn.graphs.vae_decoder, chunk_latent_frames: 1 } },
      } as ModelManifest;
      const at = (m: ModelManifest, f: number) => estimateJobMemory(m, { width: 854, height: 480, num_frames: f });
      expect(at(chunked, 161)).toBeLessThan(at(builtIn, 161) / 10);
      const perFrame = (4 * 854 * 480) / 1e6;
      expect(at(chunked, 161) - at(chunked, 81)).toBeGreaterThan(80 * perFrame);
      // The margin (1.1) and the attention's token pairs (the latent grows with the frames) add a little.
      expect(at(chunked, 161) - at(chunked, 81)).toBeLessThan(80 * perFrame * 1.3);
    });
  });

  describe('with figures stated by the package', () => {
    it('uses the manifest’s `memory` coefficients', () => {
      const stated = { ...builtIn, memory: { base_mb: 1000, mb_per_megapixel_frame: 100 } } as ModelManifest;
      expect(estimateJobMemory(stated, { width: 1000, height: 1000, num_frames: 5 })).toBe(1500);
    });

    it('interpolates a preset’s `peak_memory_mb` from the base', () => {
      const preset = { width: 854, height: 480, max_frames: 161, label: '480p', peak_memory_mb: 16_160 };
      const stated = { ...builtIn, memory: { base_mb: 160, mb_per_megapixel_frame: 0 }, resolutions: [preset] };
      expect(estimateJobMemory(stated as ModelManifest, { width: 854, height: 480, num_frames: 161 })).toBe(16_160);
      expect(estimateJobMemory(stated as ModelManifest, { width: 854, height: 480, num_frames: 81 })).toBe(
        Math.ceil(160 + 16_000 * (81 / 161)),
      );
    });

    it('ignores a `memory` field of the wrong shape', () => {
      const odd = { ...builtIn, memory: { total: 'a lot' } } as unknown as ModelManifest;
      const size = { width: 256, height: 144, num_frames: 17 };
      expect(estimateJobMemory(odd, size)).toBe(estimateJobMemory(builtIn, size));
    });
  });
});

describe('largestFittingFrames and fittingResolutions', () => {
  it('give the most 1 + 4k frames that fit, and drop presets where none does', () => {
    const budget = estimateJobMemory(builtIn, { width: 854, height: 480, num_frames: 33 });
    expect(largestFittingFrames(builtIn, builtIn.resolutions[1]!, budget)).toBe(33);
    expect(largestFittingFrames(builtIn, builtIn.resolutions[1]!, 100)).toBeUndefined();
    expect(fittingResolutions(builtIn, budget)).toEqual([
      { width: 256, height: 144, max_frames: 81, label: '144p' },
      { width: 854, height: 480, max_frames: 33, label: '480p' },
    ]);
    expect(fittingResolutions(builtIn, 100)).toEqual([]);
  });

  it('restate a preset’s measured peak at the cut maximum', () => {
    const preset = { width: 854, height: 480, max_frames: 161, label: '480p', peak_memory_mb: 16_160 };
    const stated = { ...builtIn, resolutions: [preset] };
    const [cut] = fittingResolutions(stated, 8_000);
    expect(cut!.max_frames).toBeLessThan(161);
    expect(cut!.peak_memory_mb).toBe(
      estimateJobMemory(stated, { width: 854, height: 480, num_frames: cut!.max_frames }),
    );
    expect(cut!.peak_memory_mb).toBeLessThanOrEqual(8_000);
  });
});
