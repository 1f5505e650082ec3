/**
 * A job's peak memory in an inference worker, planned from the model manifest before the job is accepted.
 *
 * Measured with `bench/job-memory.ts` (VmHWM of a fresh worker: load, generate, encode) on
 * `models/phosphene-random`, 2026-12-02, at 256×144 × 5/17/33/81 and 854×480 × 5/9/17/49 frames (4 steps):
 * peak ≈ 153 MB + 258 MB per million pixel-frames + 6.9 MB per million pairs of latent tokens (the
 * denoiser's attention over all tokens, the term that makes 854×480×81 take ~16 GB, as issue 10 saw).
 * The tiny fixture fits the same shape (64×64×5: 146 MB, 512×512×17: 1247 MB). We plan with
 * 160 + 270 MB/Mpx-frame + 7 MB per million token pairs, plus twice the variant's weights (the
 * package bytes and the sessions' copy), times 1.1.
 *
 * Packages the fit was not measured on are planned by the same shape from their manifest: the latent
 * grid the pipeline will use (`latent.base_short_side` makes it independent of the output size) and,
 * for a decoder with `chunk_latent_frames`, the pixel term for one chunk plus 4 bytes per finished pixel:
 * the frames go to the encoder as they decode, so only the encoded file grows in the server's jobs and
 * with WebCodecs; the browser's ffmpeg.wasm fallback gathers the clip's RGBA first (the 4 bytes).
 *
 * A package can state its own figures instead: `peak_memory_mb` on a resolution (in the manifest
 * schema: the measured peak at that preset's max_frames; fewer frames are interpolated linearly from
 * the base, which overestimates a convex curve, the safe side), or `memory: { base_mb,
 * mb_per_megapixel_frame, mb_per_million_token_pairs? }` at the top of its manifest (read when a
 * schema admits it; not in the schema yet).
 */
import { z } from '../shared/zod-mini';
import { latentGrid } from './latents';
import type { ModelManifest } from './model-package/manifest';

const MB = 2 ** 20;
const MEASURED = { baseMb: 160, mbPerMegapixelFrame: 270, mbPerMillionTokenPairs: 7 };
const MARGIN = 1.1;

const packageMemory = z.object({
  base_mb: z.number().check(z.nonnegative()),
  mb_per_megapixel_frame: z.number().check(z.nonnegative()),
  mb_per_million_token_pairs: z.optional(z.number().check(z.nonnegative())),
});

/** The size of a job, as in its parameters. */
export interface JobSize {
  width: number;
  height: number;
  num_frames: number;
}

/** Latent tokens the denoiser attends over: the pipeline's own latent grid, counted in patches. */
function latentTokens(m: ModelManifest, size: JobSize): number {
  const [pt, ph, pw] = m.graphs.denoiser.patch_size;
  try {
    const [, , frames, height, width] = latentGrid(m, size.width, size.height, size.num_frames).dims;
    return Math.ceil(frames / pt) * Math.ceil(height / ph) * Math.ceil(width / pw);
  } catch {
    // A frame count the grid refuses fails the job anyway; plan it from the output size.
    const sc = m.latent.spatial_compression;
    const latentFrames = 1 + Math.floor((size.num_frames - 1) / m.latent.temporal_compression);
    return Math.ceil(latentFrames / pt) * Math.ceil(size.height / sc / ph) * Math.ceil(size.width / sc / pw);
  }
}

/**
 * Output frames the VAE decodes at once: the whole clip, or a chunk for a decoder that takes
 * `chunk_latent_frames` at a time (then only the clip's finished frames grow with its length).
 */
function decodedAtOnce(m: ModelManifest, numFrames: number): number {
  const chunk = m.graphs.vae_decoder.chunk_latent_frames;
  return chunk === undefined ? numFrames : Math.min(numFrames, chunk * m.latent.temporal_compression);
}

/** The default variant's graph files in MB (what a worker holds twice: file bytes and sessions). */
function weightsMb(m: ModelManifest): number {
  const files = new Set(Object.values(m.variants[m.default_variant]?.files ?? {}));
  return m.files.filter((f) => files.has(f.path)).reduce((sum, f) => sum + f.size, 0) / MB;
}

/** The package's coefficients: its manifest's `memory`, else the measured ones. */
function coefficients(m: ModelManifest) {
  const stated = packageMemory.safeParse((m as { memory?: unknown }).memory);
  if (stated.success)
    return {
      baseMb: stated.data.base_mb,
      mbPerMegapixelFrame: stated.data.mb_per_megapixel_frame,
      mbPerMillionTokenPairs: stated.data.mb_per_million_token_pairs ?? 0,
      margin: 1,
    };
  return { ...MEASURED, baseMb: MEASURED.baseMb + 2 * weightsMb(m), margin: MARGIN };
}

/** The planned peak memory of a job of `size` on the package, in MB. */
export function estimateJobMemory(m: ModelManifest, size: JobSize): number {
  const c = coefficients(m);
  const preset = m.resolutions.find((r) => r.width === size.width && r.height === size.height);
  if (preset?.peak_memory_mb !== undefined) {
    const share = Math.min(1, size.num_frames / preset.max_frames);
    return Math.ceil(c.baseMb + (preset.peak_memory_mb - c.baseMb) * share);
  }
  const pixels = (size.width * size.height) / 1e6;
  const decoded = pixels * decodedAtOnce(m, size.num_frames);
  // A chunked decoder's finished frames: streamed to the encoder, except the ffmpeg.wasm fallback's RGBA.
  const kept = m.graphs.vae_decoder.chunk_latent_frames === undefined ? 0 : 4 * pixels * size.num_frames;
  const tokenPairs = latentTokens(m, size) ** 2 / 1e6;
  const mb = c.baseMb + c.mbPerMegapixelFrame * decoded + kept + c.mbPerMillionTokenPairs * tokenPairs;
  return Math.ceil(mb * c.margin);
}

/** The most frames (`1 + tc·k`, within the preset and the model's minimum) that fit `budgetMb`, if any. */
export function largestFittingFrames(
  m: ModelManifest,
  resolution: { width: number; height: number; max_frames: number },
  budgetMb: number,
): number | undefined {
  const tc = m.latent.temporal_compression;
  for (let k = Math.floor((resolution.max_frames - 1) / tc); 1 + tc * k >= m.frames.min && k >= 1; k--) {
    const frames = 1 + tc * k;
    if (estimateJobMemory(m, { ...resolution, num_frames: frames }) <= budgetMb) return frames;
  }
  return undefined;
}

/** The resolutions of the package that fit `budgetMb`, each with `max_frames` cut to what fits. */
export function fittingResolutions(m: ModelManifest, budgetMb: number): ModelManifest['resolutions'] {
  return m.resolutions.flatMap((r) => {
    const frames = largestFittingFrames(m, r, budgetMb);
    if (frames === undefined) return [];
    if (frames === r.max_frames) return [r];
    // A stated peak is the one at max_frames; with fewer frames it is the planned peak at the new maximum.
    const peak =
      r.peak_memory_mb === undefined ? {} : { peak_memory_mb: estimateJobMemory(m, { ...r, num_frames: frames }) };
    return [{ ...r, max_frames: frames, ...peak }];
  });
}
