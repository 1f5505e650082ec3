/**
 * The VAE decoder graph. Two layouts, both declared by the manifest:
 * - whole clip (the default): latents `[1, C, F, h, w]` → video `[1, 3, 1 + tc(F − 1), 8h, 8w]`, cropped;
 * - chunked (`chunk_latent_frames`, a tubelet VAE whose latent frames decode independently): each run
 *   takes a few latent frames and returns `tc` frames per latent frame (latent frame 0 keeps only its
 *   last), written straight into the RGBA output, so peak memory is one chunk, not the clip. With
 *   `size_inputs` the graph renders at the requested size itself.
 */
import type { RawFrames } from '../../shared/protocol';
import type { GraphSession, HostTensor } from '../backend/types';
import { frameRgbaFromVideo, writeRgbaFrames } from '../frames';
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
  const spec = pipe.manifest.graphs.vae_decoder;
  const chunk = spec.chunk_latent_frames;
  if (chunk === undefined) {
    const decoded = await decodeLatents(pipe, latents, latentDims);
    return { frames: frameRgbaFromVideo(decoded.video, decoded.dims, width, height), session: decoded.session };
  }
  const [, channels, latentFrames, h, w] = latentDims as [number, number, number, number, number];
  const tc = pipe.manifest.latent.temporal_compression;
  const numFrames = 1 + tc * (latentFrames - 1);
  const rgba = new Uint8Array(numFrames * width * height * 4);
  const scale = pipe.manifest.latent.scaling_factor;
  const plane = h * w;
  const sizeFeeds = (): Record<string, HostTensor> =>
    spec.size_inputs
      ? {
          [spec.size_inputs.height]: floatInput('float32', new Float32Array(height), [height]),
          [spec.size_inputs.width]: floatInput('float32', new Float32Array(width), [width]),
        }
      : {};
  const sizeDims = spec.size_inputs ? { [spec.size_inputs.height]: [height], [spec.size_inputs.width]: [width] } : {};
  let session: GraphSession | undefined;
  let written = 0;
  for (let start = 0; start < latentFrames; start += chunk) {
    const n = Math.min(chunk, latentFrames - start);
    const dims = [1, channels, n, h, w];
    // Gather latent frames [start, start + n) of every channel, unscaled.
    const part = new Float32Array(channels * n * plane);
    for (let c = 0; c < channels; c++) {
      const from = (c * latentFrames + start) * plane;
      const to = c * n * plane;
      for (let i = 0; i < n * plane; i++) part[to + i] = latents[from + i]! / scale;
    }
    session = await pipe.session('vae_decoder', { [spec.inputs.latents.name]: dims, ...sizeDims });
    const result = await session.run({
      [spec.inputs.latents.name]: floatInput(spec.inputs.latents.dtype, part, dims),
      ...sizeFeeds(),
    });
    const { data, dims: outDims } = readFloat(result[spec.outputs.frames.name], 'frames');
    // Latent frame 0 stands for frame 0 alone: of its tc decoded frames, keep the last.
    const skip = start === 0 ? tc - 1 : 0;
    written += writeRgbaFrames(data, outDims, width, height, skip, rgba, written);
  }
  if (written !== numFrames) throw new Error(`the VAE decoder gave ${written} frames, expected ${numFrames}`);
  return { frames: { rgba, width, height, numFrames }, session: session! };
}
