/** The live preview's maths: x̂₀ = x_t − σ·v through the fitted linear map, cropped, and its enlargement. */
import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/pipeline/model-package/manifest';
import { enlargePreview, latentPreview, previewHook, type PreviewImage } from '../../src/pipeline/preview';

/** Two channels; red follows channel 0, green channel 1, blue the sum; bias 0. */
const manifest = {
  latent: {
    channels: 2,
    spatial_compression: 8,
    temporal_compression: 4,
    scaling_factor: 1,
    preview_rgb: {
      weight: [
        [1, 0],
        [0, 1],
        [0.5, 0.5],
      ],
      bias: [0, 0, 0],
    },
  },
} as unknown as ModelManifest;

describe('latentPreview', () => {
  // [1, C=2, F=3, h=2, w=3]: value = channel·100 + frame·10 + cell, scaled to stay inside [-1, 1].
  const dims = [1, 2, 3, 2, 3];
  const n = 2 * 3 * 2 * 3;
  const latents = Float32Array.from({ length: n }, (_, i) => {
    const c = Math.floor(i / 18);
    const f = Math.floor(i / 6) % 3;
    return (c === 0 ? 0.5 : -0.5) + f * 0.1;
  });
  const velocity = Float32Array.from({ length: n }, () => 0.2);

  it('maps x̂₀ of the middle latent frame through the map, cropped to the visible cells', () => {
    const sigma = 0.5;
    const image = latentPreview(manifest, latents, velocity, sigma, dims, { width: 2, height: 1 })!;
    expect([image.width, image.height]).toEqual([2, 1]);
    // Middle frame (1): channel 0 = 0.6, channel 1 = −0.4; minus σ·v = 0.1 each.
    const r = 0.6 - 0.1;
    const g = -0.4 - 0.1;
    const byte = (v: number) => Math.round((v + 1) * 127.5);
    expect([...image.rgba.subarray(0, 4)]).toEqual([byte(r), byte(g), byte((r + g) / 2), 255]);
  });

  it('is undefined for a package without preview_rgb, and the hook is absent then', () => {
    const bare = { latent: { ...manifest.latent, preview_rgb: undefined } } as unknown as ModelManifest;
    expect(latentPreview(bare, latents, velocity, 0, dims, { width: 3, height: 2 })).toBeUndefined();
    expect(previewHook(bare, { dims, imageWidth: 24, imageHeight: 16 }, () => {})).toBeUndefined();
  });

  it('the hook reports each step with the visible size from the grid', () => {
    const seen: PreviewImage[] = [];
    const hook = previewHook(manifest, { dims, imageWidth: 17, imageHeight: 16 }, (p) => seen.push(p))!;
    hook(latents, velocity, 0.5, 2, 4);
    expect(seen.map((p) => [p.width, p.height, p.step, p.totalSteps])).toEqual([[3, 2, 2, 4]]);
  });
});

describe('enlargePreview', () => {
  it('scales by a whole factor until the long side reaches the minimum, keeping flat colour flat', () => {
    const rgba = new Uint8Array(16 * 9 * 4).fill(200);
    const big = enlargePreview({ rgba, width: 16, height: 9 }, 128);
    expect([big.width, big.height]).toEqual([128, 72]);
    expect(big.rgba.every((v) => v === 200)).toBe(true);
    expect(enlargePreview({ rgba, width: 16, height: 9 }, 10).width).toBe(16);
  });
});
