/** The latent grid of a job and its initial noise. */
import type { ModelManifest } from './model-package/manifest';
import { SeededRandom } from './random';

/** Latent dims `[1, channels, frames, height, width]` plus the pixel sizes the VAE works at. */
export interface LatentGrid {
  dims: [number, number, number, number, number];
  /** Pixel size the VAE encoder takes (and a fixed-size decoder returns; the pipeline crops back). */
  paddedWidth: number;
  paddedHeight: number;
  /** The size a conditioning image is cover-resized to before padding to `padded*`. */
  imageWidth: number;
  imageHeight: number;
}

/**
 * The base size of a package with `latent.base_short_side`: short side that many pixels, the long side
 * in proportion, rounded to a multiple of the spatial compression (854×480 → 128×72 for 72 and 8).
 */
export function baseSize(manifest: ModelManifest, width: number, height: number): { width: number; height: number } {
  const { spatial_compression: sc, base_short_side: side } = manifest.latent;
  if (side === undefined) throw new RangeError(`${manifest.id} has no latent.base_short_side`);
  const m = Math.min(width, height);
  const fit = (v: number) => Math.max(sc, Math.round((v * side) / m / sc) * sc);
  return { width: fit(width), height: fit(height) };
}

/**
 * The latent grid for a request. Width and height (or the base size, for a package whose grid does not
 * depend on the output size) are padded up to a multiple of the VAE's spatial compression times the
 * denoiser's patch size (854×480 → 864×480 for 8×2), because every latent cell must fall into a whole
 * patch; frames follow the causal VAE: 1 + (F − 1) / temporal_compression.
 */
export function latentGrid(manifest: ModelManifest, width: number, height: number, numFrames: number): LatentGrid {
  const { channels, spatial_compression: sc, temporal_compression: tc } = manifest.latent;
  const [pt, ph, pw] = manifest.graphs.denoiser.patch_size;
  const base = manifest.latent.base_short_side === undefined ? undefined : baseSize(manifest, width, height);
  const paddedWidth = Math.ceil((base?.width ?? width) / (sc * pw)) * sc * pw;
  const paddedHeight = Math.ceil((base?.height ?? height) / (sc * ph)) * sc * ph;
  const latentFrames = 1 + (numFrames - 1) / tc;
  if (!Number.isInteger(latentFrames) || latentFrames % pt !== 0) {
    throw new RangeError(
      `${numFrames} frames give ${latentFrames} latent frames, which the patch size ${pt} does not divide`,
    );
  }
  return {
    dims: [1, channels, latentFrames, paddedHeight / sc, paddedWidth / sc],
    paddedWidth,
    paddedHeight,
    imageWidth: base?.width ?? width,
    imageHeight: base?.height ?? height,
  };
}

/** Standard-normal initial latents for `seed`, in the grid's row-major order. */
export function initialNoise(grid: LatentGrid, seed: number): Float32Array {
  return new SeededRandom(seed).normals(grid.dims.reduce((a, b) => a * b, 1));
}
