/**
 * The live preview after a denoising step: the model's current guess of the clean latents
 * (x̂₀ = x_t − σ·v for a rectified flow), one latent frame of it mapped to RGB by the package's fitted
 * linear `preview_rgb` (no VAE run), at latent resolution. It costs one pass over one latent frame.
 */
import type { ModelManifest } from './model-package/manifest';

/** A small RGBA image of the clip as it stands after `step` of `totalSteps`. */
export interface PreviewImage {
  rgba: Uint8Array;
  width: number;
  height: number;
  step: number;
  totalSteps: number;
  /** Milliseconds spent making it from the latents, its cost beside a step's (absent where it was not made here). */
  ms?: number;
}

/**
 * The RGBA preview of latent frame `frame` (default: the middle one) of x̂₀, cropped to `visible` latent
 * cells (the grid's padding is not part of the picture). Undefined when the package has no `preview_rgb`.
 */
export function latentPreview(
  manifest: ModelManifest,
  latents: Float32Array,
  velocity: Float32Array,
  sigma: number,
  dims: readonly number[],
  visible: { width: number; height: number },
  frame?: number,
): Omit<PreviewImage, 'step' | 'totalSteps'> | undefined {
  const map = manifest.latent.preview_rgb;
  if (!map) return undefined;
  const [, channels, frames, h, w] = dims as [number, number, number, number, number];
  const f = frame ?? Math.floor(frames / 2);
  const width = Math.min(w, visible.width);
  const height = Math.min(h, visible.height);
  const rgba = new Uint8Array(width * height * 4);
  const plane = h * w;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const row = map.weight[c]!;
        let v = map.bias[c]!;
        for (let k = 0; k < channels; k++) {
          const i = (k * frames + f) * plane + y * w + x;
          v += row[k]! * (latents[i]! - sigma * velocity[i]!);
        }
        rgba[out + c] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
      }
      rgba[out + 3] = 255;
    }
  return { rgba, width, height };
}

/**
 * The denoising loop's `onPrediction` hook that turns each step into a `PreviewImage` for `onPreview`;
 * undefined when nobody listens or the package has no `preview_rgb`.
 */
export function previewHook(
  manifest: ModelManifest,
  grid: { dims: readonly number[]; imageWidth: number; imageHeight: number },
  onPreview: ((image: PreviewImage) => void) | undefined,
) {
  if (!onPreview || !manifest.latent.preview_rgb) return undefined;
  const sc = manifest.latent.spatial_compression;
  const visible = { width: Math.ceil(grid.imageWidth / sc), height: Math.ceil(grid.imageHeight / sc) };
  return (latents: Float32Array, velocity: Float32Array, sigma: number, step: number, totalSteps: number) => {
    const started = performance.now();
    const image = latentPreview(manifest, latents, velocity, sigma, grid.dims, visible);
    if (image) onPreview({ ...image, step, totalSteps, ms: performance.now() - started });
  };
}

/**
 * The preview scaled up (bilinear, by a whole factor) until its long side is at least `minLongSide`:
 * latent grids are small (16×9 for phosphene-v1), and a blocky thumbnail reads worse than a soft one.
 */
export function enlargePreview<T extends { rgba: Uint8Array; width: number; height: number }>(
  image: T,
  minLongSide = 128,
): T {
  const factor = Math.max(1, Math.ceil(minLongSide / Math.max(image.width, image.height)));
  if (factor === 1) return image;
  const { width: w, height: h, rgba } = image;
  const W = w * factor;
  const H = h * factor;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y + 0.5) / factor - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x + 0.5) / factor - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 4; c++) {
        const top = rgba[(y0 * w + x0) * 4 + c]! * (1 - fx) + rgba[(y0 * w + x1) * 4 + c]! * fx;
        const bottom = rgba[(y1 * w + x0) * 4 + c]! * (1 - fx) + rgba[(y1 * w + x1) * 4 + c]! * fx;
        out[(y * W + x) * 4 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { ...image, rgba: out, width: W, height: H };
}
