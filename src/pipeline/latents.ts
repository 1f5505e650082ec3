/** The latent grid of a job and its initial noise. */
import type { ModelManifest } from './model-package/manifest';
import { SeededRandom } from './random';

/** Latent dims `[1, channels, frames, height, width]` plus the padded pixel size they decode to. */
export interface LatentGrid {
  dims: [number, number, number, number, number];
  /** Pixel size the VAE decodes to, ≥ the requested size; the pipeline crops back. */
  paddedWidth: number;
  paddedHeight: number;
}

/**
 * The latent grid for a request. Width and height are padded up to a multiple of the VAE's spatial
 * compression times the denoiser's patch size (854×480 → 864×480 for 8×2), because every latent cell
 * must fall into a whole patch; frames follow the causal VAE: 1 + (F − 1) / temporal_compression.
 */
export function latentGrid(manifest: ModelManifest, width: number, height: number, numFrames: number): LatentGrid {
  const { channels, spatial_compression: sc, temporal_compression: tc } = manifest.latent;
  const [pt, ph, pw] = manifest.graphs.denoiser.patch_size;
  const paddedWidth = Math.ceil(width / (sc * pw)) * sc * pw;
  const paddedHeight = Math.ceil(height / (sc * ph)) * sc * ph;
  const latentFrames = 1 + (numFrames - 1) / tc;
  if (!Number.isInteger(latentFrames) || latentFrames % pt !== 0) {
    throw new RangeError(
      `${numFrames} frames give ${latentFrames} latent frames, which the patch size ${pt} does not divide`,
    );
  }
  return { dims: [1, channels, latentFrames, paddedHeight / sc, paddedWidth / sc], paddedWidth, paddedHeight };
}

/** Standard-normal initial latents for `seed`, in the grid's row-major order. */
export function initialNoise(grid: LatentGrid, seed: number): Float32Array {
  return new SeededRandom(seed).normals(grid.dims.reduce((a, b) => a * b, 1));
}
