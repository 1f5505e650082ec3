/** From decoded video tensors to the RGBA frames the encoders take. */
import type { ClipSize, FrameSink, RawFrames } from '../shared/protocol';

/**
 * A `FrameSink` that gathers the chunks into one clip (for callers that need every frame at once: the
 * evaluator, parity checks, an encoder that takes the whole clip). `frames()` throws unless every frame came.
 */
export function frameCollector(): { sink: FrameSink; frames(): RawFrames } {
  let clip: RawFrames | undefined;
  let received = 0;
  return {
    sink(chunk) {
      const frameBytes = chunk.width * chunk.height * 4;
      if (chunk.first !== received || chunk.rgba.length !== chunk.count * frameBytes)
        throw new Error(`frames ${chunk.first}…${chunk.first + chunk.count - 1} arrived out of order or short`);
      received += chunk.count;
      // A whole clip in one chunk (a decoder that is not chunked) is kept as it is, not copied.
      if (!clip && chunk.count === chunk.numFrames) {
        const { rgba, width, height, numFrames } = chunk;
        clip = { rgba, width, height, numFrames };
        return;
      }
      clip ??= {
        rgba: new Uint8Array(chunk.numFrames * frameBytes),
        width: chunk.width,
        height: chunk.height,
        numFrames: chunk.numFrames,
      };
      clip.rgba.set(chunk.rgba, chunk.first * frameBytes);
    },
    frames() {
      if (!clip || received !== clip.numFrames)
        throw new Error(`the decoder handed over ${received} of ${clip?.numFrames ?? '?'} frames`);
      return clip;
    },
  };
}

/** Runs a streaming generation with a `frameCollector` and returns its result with every frame. */
export async function withAllFrames<R extends { frames: ClipSize }>(
  run: (sink: FrameSink) => Promise<R>,
): Promise<Omit<R, 'frames'> & { frames: RawFrames }> {
  const collector = frameCollector();
  const result = await run(collector.sink);
  return { ...result, frames: collector.frames() };
}

/**
 * Converts a decoded video `[1, 3, F, H, W]` in [-1, 1] to RGBA bytes, cropping the padded
 * `H×W` to the top-left `height×width`: frame after frame, row-major, alpha 255.
 */
export function frameRgbaFromVideo(
  video: Float32Array,
  dims: readonly number[],
  width: number,
  height: number,
): RawFrames {
  const numFrames = dims[2] ?? 0;
  const rgba = new Uint8Array(numFrames * height * width * 4);
  writeRgbaFrames(video, dims, width, height, 0, rgba, 0);
  return { rgba, width, height, numFrames };
}

/**
 * Writes the frames of a decoded video `[1, 3, F, H, W]` from frame `skip` on into `rgba` (frames of
 * `width×height`, cropped from the top left) starting at frame `at`; returns how many it wrote.
 */
export function writeRgbaFrames(
  video: Float32Array,
  dims: readonly number[],
  width: number,
  height: number,
  skip: number,
  rgba: Uint8Array,
  at: number,
): number {
  return writeRgbaBand(video, dims, width, height, { start: 0, count: height }, { from: 0, count: skip }, rgba, at);
}

/**
 * As `writeRgbaFrames`, for a band of rows: the video's first `band.count` rows become rows
 * `band.start…` of each `width×height` frame (a decoder that renders large frames in bands), leaving out
 * the `drop.count` decoded frames from `drop.from` on.
 */
export function writeRgbaBand(
  video: Float32Array,
  dims: readonly number[],
  width: number,
  height: number,
  band: { start: number; count: number },
  drop: { from: number; count: number },
  rgba: Uint8Array,
  at: number,
): number {
  const [batch, channels, numFrames, paddedHeight, paddedWidth] = dims as [number, number, number, number, number];
  if (dims.length !== 5 || batch !== 1 || channels !== 3)
    throw new Error(`the VAE decoder returned dims [${dims.join(', ')}], expected [1, 3, F, H, W]`);
  if (paddedHeight < band.count || paddedWidth < width)
    throw new Error(`decoded frames are ${paddedWidth}×${paddedHeight}, smaller than ${width}×${band.count}`);
  if (band.start < 0 || band.start + band.count > height)
    throw new Error(`rows ${band.start}…${band.start + band.count - 1} are outside a frame of ${height} rows`);
  if (drop.count > 0 && (drop.from < 0 || drop.from + drop.count > numFrames))
    throw new Error(
      `the VAE decoder returned ${numFrames} frames, too few to drop ${drop.count} from frame ${drop.from}`,
    );
  const count = numFrames - drop.count;
  if ((at + count) * width * height * 4 > rgba.length)
    throw new Error(`the VAE decoder returned more frames than the clip has (${at + count})`);
  const plane = paddedHeight * paddedWidth;
  const channelStride = numFrames * plane;
  // A clamped view rounds and clamps on store (NaN → 0): the [-1, 1] → [0, 255] mapping in one write.
  const out = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  for (let f = 0, k = 0; f < numFrames; f++) {
    if (f >= drop.from && f < drop.from + drop.count) continue;
    let o = ((at + k++) * height + band.start) * width * 4;
    for (let y = 0; y < band.count; y++) {
      let i = f * plane + y * paddedWidth;
      for (let x = 0; x < width; x++, i++) {
        out[o++] = (video[i]! + 1) * 127.5;
        out[o++] = (video[i + channelStride]! + 1) * 127.5;
        out[o++] = (video[i + 2 * channelStride]! + 1) * 127.5;
        out[o++] = 255;
      }
    }
  }
  return count;
}

/**
 * The inverse direction, for the VAE encoder: one RGBA image of `width×height` as a one-frame video
 * `[1, 3, 1, paddedHeight, paddedWidth]` in [-1, 1]. The padding (right and bottom, which the decoder's
 * top-left crop drops again) repeats the edge pixels, so the encoder sees no hard border. Alpha is
 * ignored.
 */
export function videoFromImage(
  image: { rgba: Uint8Array; width: number; height: number },
  paddedWidth: number,
  paddedHeight: number,
): { video: Float32Array; dims: [number, number, number, number, number] } {
  const { rgba, width, height } = image;
  if (paddedWidth < width || paddedHeight < height)
    throw new Error(`cannot pad a ${width}×${height} image to ${paddedWidth}×${paddedHeight}`);
  const plane = paddedWidth * paddedHeight;
  const video = new Float32Array(3 * plane);
  for (let y = 0; y < paddedHeight; y++) {
    const sy = Math.min(y, height - 1);
    for (let x = 0; x < paddedWidth; x++) {
      const i = (sy * width + Math.min(x, width - 1)) * 4;
      const o = y * paddedWidth + x;
      video[o] = rgba[i]! / 127.5 - 1;
      video[o + plane] = rgba[i + 1]! / 127.5 - 1;
      video[o + 2 * plane] = rgba[i + 2]! / 127.5 - 1;
    }
  }
  return { video, dims: [1, 3, 1, paddedHeight, paddedWidth] };
}
