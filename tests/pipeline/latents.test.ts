import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialNoise, latentGrid } from '../../src/pipeline/latents';
import { parseManifest } from '../../src/pipeline/model-package/manifest';
import { SeededRandom } from '../../src/pipeline/random';

const manifest = parseManifest(JSON.parse(readFileSync('tests/fixtures/models/phosphene-tiny/model.json', 'utf8')));

describe('latentGrid', () => {
  it('divides by the compression for aligned sizes', () => {
    expect(latentGrid(manifest, 64, 64, 5)).toEqual({
      dims: [1, 4, 2, 8, 8],
      paddedWidth: 64,
      paddedHeight: 64,
      imageWidth: 64,
      imageHeight: 64,
    });
  });

  it('pads up to a multiple of spatial compression × patch (16 px for 8 × 2)', () => {
    expect(latentGrid(manifest, 854, 480, 81)).toEqual({
      dims: [1, 4, 21, 60, 108],
      paddedWidth: 864,
      paddedHeight: 480,
      imageWidth: 854,
      imageHeight: 480,
    });
    expect(latentGrid(manifest, 128, 72, 17)).toMatchObject({
      dims: [1, 4, 5, 10, 16],
      paddedWidth: 128,
      paddedHeight: 80,
    });
  });

  describe('with latent.base_short_side (a grid independent of the output size)', () => {
    const based = parseManifest({
      ...manifest,
      latent: { ...manifest.latent, base_short_side: 72 },
      graphs: { ...manifest.graphs, denoiser: { ...manifest.graphs.denoiser, patch_size: [1, 1, 1] } },
    });
    it('gives every 16:9 preset the same 16×9 grid at the 128×72 base size', () => {
      for (const [w, h] of [
        [256, 144],
        [854, 480],
        [1280, 720],
        [1920, 1080],
      ] as const) {
        expect(latentGrid(based, w, h, 81)).toEqual({
          dims: [1, 4, 21, 9, 16],
          paddedWidth: 128,
          paddedHeight: 72,
          imageWidth: 128,
          imageHeight: 72,
        });
      }
    });
    it('turns the grid for portrait sizes and keeps square ones square', () => {
      expect(latentGrid(based, 480, 854, 17).dims).toEqual([1, 4, 5, 16, 9]);
      expect(latentGrid(based, 512, 512, 17).dims).toEqual([1, 4, 5, 9, 9]);
    });
  });
});

describe('initialNoise', () => {
  it('is the seeded normal stream over the whole grid', () => {
    const grid = latentGrid(manifest, 64, 64, 5);
    const noise = initialNoise(grid, 42);
    expect(noise).toHaveLength(4 * 2 * 8 * 8);
    expect(noise).toEqual(new SeededRandom(42).normals(noise.length));
  });
});
