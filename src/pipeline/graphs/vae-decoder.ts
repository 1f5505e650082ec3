/**
 * The VAE decoder graph. Two layouts, both declared by the manifest:
 * - whole clip (the default): latents `[1, C, F, h, w]` → video `[1, 3, 1 + tc(F − 1), 8h, 8w]`, cropped;
 * - chunked (`chunk_latent_frames`, a tubelet VAE whose latent frames decode on their own or with
 *   `context_latent_frames` neighbours each side; with a `vae_decoder_trunk`, in two stages whose first runs
 *   once per latent frame): each run takes a few latent frames (plus their context)
 *   and returns `tc` frames per latent frame of the chunk (latent frame 0 keeps only one: `first_frame`), written
 *   straight into the RGBA output, so peak memory is one chunk, not the clip. With
 *   `size_inputs` the graph renders at the requested size itself; when their values are source
 *   coordinates, a large frame renders in bands of rows, so that no tensor exceeds the backend's limit
 *   (`maxTensorBytes`: a WebGPU binding holds 128 MiB by default, and a 720p head layer is 236 MB).
 */
import type { ClipSize, FrameSink, RawFrames } from '../../shared/protocol';
import type { GraphSession, HostTensor } from '../backend/types';
import { frameRgbaFromVideo, withAllFrames, writeRgbaBand } from '../frames';
import { floatInput, readFloat } from '../tensor-io';
import type { VideoPipeline } from '../video-pipeline';

/** Decodes latents, divided by the manifest's `scaling_factor` first (the diffusers convention). */
export async function decodeLatents(
  pipe: VideoPipeline,
  latents: Float32Array,
  latentDims: readonly number[],
): Promise<{ video: Float32Array; dims: readonly number[]; session: GraphSession }> {
  const { inputs, outputs } = pipe.manifest.graphs.vae_decoder;
  const scale = pipe.manifest.latent.scaling_factor;
  const scaled = scale === 1 ? latents : latents.map((v) => v / scale);
  const session = await pipe.session('vae_decoder', { [inputs.latents.name]: latentDims });
  const result = await session.run({ [inputs.latents.name]: floatInput(inputs.latents.dtype, scaled, latentDims) });
  const { data, dims } = readFloat(result[outputs.frames.name], 'frames');
  return { video: data, dims, session };
}

/** Decodes a whole job's latents to RGBA frames of `width×height`, in chunks where the model allows. */
export async function decodeToFrames(
  pipe: VideoPipeline,
  latents: Float32Array,
  latentDims: readonly number[],
  width: number,
  height: number,
): Promise<{ frames: RawFrames; session: GraphSession }> {
  return withAllFrames((sink) => decodeFrames(pipe, latents, latentDims, width, height, sink));
}

/**
 * Decodes a job's latents to RGBA frames of `width×height` and hands them to `sink` in order: one chunk per
 * run of a chunked decoder (`tc` frames per latent frame), so memory holds one chunk, not the clip; the
 * whole clip at once otherwise.
 */
export async function decodeFrames(
  pipe: VideoPipeline,
  latents: Float32Array,
  latentDims: readonly number[],
  width: number,
  height: number,
  sink: FrameSink,
): Promise<{ frames: ClipSize; session: GraphSession }> {
  const spec = pipe.manifest.graphs.vae_decoder;
  const chunk = spec.chunk_latent_frames;
  if (chunk === undefined) {
    const decoded = await decodeLatents(pipe, latents, latentDims);
    const frames = frameRgbaFromVideo(decoded.video, decoded.dims, width, height);
    await sink({ ...frames, first: 0, count: frames.numFrames });
    return { frames: { width, height, numFrames: frames.numFrames }, session: decoded.session };
  }
  const [, channels, latentFrames, h, w] = latentDims as [number, number, number, number, number];
  const context = spec.context_latent_frames ?? 0;
  const tc = pipe.manifest.latent.temporal_compression;
  const numFrames = 1 + tc * (latentFrames - 1);
  const frameBytes = width * height * 4;
  const scale = pipe.manifest.latent.scaling_factor;
  const size = spec.size_inputs;
  const coordinates = size?.values === 'source_coordinates';
  const bands =
    coordinates && spec.bytes_per_output_pixel
      ? planRowBands(height, width, spec.bytes_per_output_pixel, await pipe.backend.maxTensorBytes(pipe.device))
      : { rows: height, count: 1 };
  const sc = pipe.manifest.latent.spatial_compression;
  const rowSource = coordinates ? sourceCoordinates(height, h * sc) : new Float32Array(height);
  const colSource = coordinates ? sourceCoordinates(width, w * sc) : new Float32Array(width);
  /** Size feeds for the band starting at `row`: every band has `bands.rows` rows (the last repeats its
   * final row), so one compiled shape serves them all. */
  const sizeFeeds = (row: number): Record<string, HostTensor> => {
    if (!size) return {};
    const rows = new Float32Array(bands.rows);
    for (let i = 0; i < bands.rows; i++) rows[i] = rowSource[Math.min(row + i, height - 1)]!;
    return {
      [size.height]: floatInput('float32', rows, [bands.rows]),
      [size.width]: floatInput('float32', colSource, [width]),
    };
  };
  const sizeDims = size ? { [size.height]: [bands.rows], [size.width]: [width] } : {};
  const source = pipe.manifest.graphs.vae_decoder_trunk
    ? trunkFeatures(pipe, latents, latentDims)
    : {
        window: async (from: number, count: number) => ({
          data: gatherLatentFrames(latents, latentDims, from, count, scale),
          dims: [1, channels, count, h, w],
        }),
      };
  let session: GraphSession | undefined;
  let written = 0;
  for (let start = 0; start < latentFrames; start += chunk) {
    const n = Math.min(chunk, latentFrames - start);
    const { data: part, dims } = await source.window(start - context, n + 2 * context);
    session = await pipe.session('vae_decoder', { [spec.inputs.latents.name]: dims, ...sizeDims });
    // Latent frame 0 stands for frame 0 alone: of its tc decoded frames, keep the last (or the first, as the
    // manifest says).
    const drop = { from: spec.first_frame === 'first' ? 1 : 0, count: start === 0 ? tc - 1 : 0 };
    const rgba = new Uint8Array((n * tc - drop.count) * frameBytes);
    let count = 0;
    for (let row = 0; row < height; row += bands.rows) {
      const result = await session.run({
        [spec.inputs.latents.name]: floatInput(spec.inputs.latents.dtype, part, dims),
        ...sizeFeeds(row),
      });
      const { data, dims: outDims } = readFloat(result[spec.outputs.frames.name], 'frames');
      const band = { start: row, count: Math.min(bands.rows, height - row) };
      count = writeRgbaBand(data, outDims, width, height, band, drop, rgba, 0);
    }
    if (written + count > numFrames)
      throw new Error(`the VAE decoder returned more frames than the clip has (${written + count})`);
    await sink({ rgba: rgba.subarray(0, count * frameBytes), width, height, numFrames, first: written, count });
    written += count;
  }
  if (written !== numFrames) throw new Error(`the VAE decoder gave ${written} frames, expected ${numFrames}`);
  return { frames: { width, height, numFrames }, session: session! };
}

/**
 * The first stage of a two-stage decoder (`graphs.vae_decoder_trunk`): each latent frame's features, computed
 * once from the frame and its context, kept while the chunks around it read them (windows move forward, so
 * older frames are dropped), and handed out in windows `[1, C, count, h, w]` like latents, frames before 0
 * or past the clip's end repeating its first or last.
 */
export function trunkFeatures(
  pipe: VideoPipeline,
  latents: Float32Array,
  latentDims: readonly number[],
): { window(from: number, count: number): Promise<{ data: Float32Array; dims: number[] }> } {
  const spec = pipe.manifest.graphs.vae_decoder_trunk!;
  const [, channels, frames, h, w] = latentDims as [number, number, number, number, number];
  const scale = pipe.manifest.latent.scaling_factor;
  const context = spec.context_latent_frames;
  const kept = new Map<number, { data: Float32Array; dims: readonly number[] }>();
  const features = async (k: number) => {
    const have = kept.get(k);
    if (have) return have;
    const dims = [1, channels, 1 + 2 * context, h, w];
    const session = await pipe.session('vae_decoder_trunk', { [spec.inputs.latents.name]: dims });
    const result = await session.run({
      [spec.inputs.latents.name]: floatInput(
        spec.inputs.latents.dtype,
        gatherLatentFrames(latents, latentDims, k - context, 1 + 2 * context, scale),
        dims,
      ),
    });
    const out = readFloat(result[spec.outputs.features.name], 'features');
    if (out.dims.length !== 5 || out.dims[0] !== 1 || out.dims[2] !== 1)
      throw new Error(`the VAE decoder's trunk returned dims [${out.dims.join(', ')}], expected [1, C, 1, H, W]`);
    kept.set(k, out);
    return out;
  };
  return {
    async window(from, count) {
      for (const k of kept.keys()) if (k < Math.max(0, from)) kept.delete(k);
      const parts = [];
      for (let i = 0; i < count; i++) parts.push(await features(Math.min(frames - 1, Math.max(0, from + i))));
      const [, fc, , fh, fw] = parts[0]!.dims as [number, number, number, number, number];
      const plane = fh * fw;
      const data = new Float32Array(fc * count * plane);
      parts.forEach((part, i) => {
        for (let c = 0; c < fc; c++) data.set(part.data.subarray(c * plane, (c + 1) * plane), (c * count + i) * plane);
      });
      return { data, dims: [1, fc, count, fh, fw] };
    },
  };
}

/**
 * Latent frames [from, from + count) of every channel of `[1, C, F, h, w]` latents, divided by `scale`;
 * frames before 0 or past F − 1 repeat the clip's first or last (a context decoder's edges).
 */
export function gatherLatentFrames(
  latents: Float32Array,
  latentDims: readonly number[],
  from: number,
  count: number,
  scale: number,
): Float32Array {
  const [, channels, frames, h, w] = latentDims as [number, number, number, number, number];
  const plane = h * w;
  const out = new Float32Array(channels * count * plane);
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < count; k++) {
      const frame = Math.min(frames - 1, Math.max(0, from + k));
      const src = (c * frames + frame) * plane;
      const dst = (c * count + k) * plane;
      for (let i = 0; i < plane; i++) out[dst + i] = latents[src + i]! / scale;
    }
  }
  return out;
}

/**
 * Bands of output rows for a decoder whose largest tensor holds `bytesPerPixel` per output pixel: as few
 * bands as keep that tensor within `maxBytes`, all of one length (`rows`; the last may run past the
 * frame), so one compiled shape serves every band.
 */
export function planRowBands(
  height: number,
  width: number,
  bytesPerPixel: number,
  maxBytes: number,
): { rows: number; count: number } {
  const fit = Math.max(1, Math.floor(maxBytes / (bytesPerPixel * width)));
  const count = Math.ceil(height / fit);
  return { rows: Math.ceil(height / count), count };
}

/**
 * Where each of `outSize` output pixels samples an axis of `inSize` base pixels: bilinear with
 * align_corners = false, (i + 0.5) · in / out − 0.5 clamped at 0 (`source_coordinates` in
 * `models/phosphene-v1/train/model.py`, which the exported graph interpolates at).
 */
export function sourceCoordinates(outSize: number, inSize: number): Float32Array {
  const out = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) out[i] = Math.max(0, (i + 0.5) * scale - 0.5);
  return out;
}
