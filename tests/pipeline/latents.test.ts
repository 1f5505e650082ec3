import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialNoise, latentGrid } from '../../src/pipeline/latents';
import { parseManifest } from '../../src/pipeline/model-package/manifest';
import { SeededRandom } from '../../src/pipeline/random';

const manifest = parseManifest(JSON.parse(readFileSync('tests/fixtures/models/phosphene-tiny/model.json', 'utf8')));

describe('latentGrid', () => {
  it('divides by the compression for aligned sizes', () => {
    expect(latentGrid(manifest, 64, 64, 5)).toEqual({ dims: [1, 4, 2, 8, 8], paddedWidth: 64, paddedHeight: 64 });
  });

  it('pads up to a multiple of spatial compression × patch (16 px for 8 × 2)', () => {
    expect(latentGrid(manifest, 854, 480, 81)).toEqual({
      dims: [1, 4, 21, 60, 108],
      paddedWidth: 864,
      paddedHeight: 480,
    });
    expect(latentGrid(manifest, 128, 72, 17)).toEqual({ dims: [1, 4, 5, 10, 16], paddedWidth: 128, paddedHeight: 80 });
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
