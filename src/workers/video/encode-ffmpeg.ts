// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for Vite `?url` imports; the pipeline tsconfig has no vite/client types
/// <reference path="./ffmpeg-core.d.ts" />
/**
 * The fallback path: H.264 MP4 through ffmpeg.wasm (libx264), for browsers whose WebCodecs cannot
 * encode H.264 at this size. Loaded lazily from local files, never from a CDN, so it works offline.
 */
import type { FFmpeg } from '@ffmpeg/ffmpeg';
import type { RawFrames } from '../../shared/protocol';
import { JobAbortedError } from '../../shared/errors';
import type { EncodeOptions } from './encode-options';

let loading: Promise<FFmpeg> | null = null;

/** Loads ffmpeg.wasm once per worker; the single-threaded core was as fast as core-mt on 2 cores (NOTES.md). */
function loadFfmpeg(): Promise<FFmpeg> {
  loading ??= (async () => {
    const [{ FFmpeg }, core, wasm] = await Promise.all([
      import('@ffmpeg/ffmpeg'),
      import('@ffmpeg/core?url'),
      import('@ffmpeg/core/wasm?url'),
    ]);
    const ffmpeg = new FFmpeg();
    // ffmpeg.wasm's worker imports these with `import()`, which needs absolute URLs.
    const base = self.location.href;
    await ffmpeg.load({ coreURL: new URL(core.default, base).href, wasmURL: new URL(wasm.default, base).href });
    return ffmpeg;
  })().catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** Runs ffmpeg.wasm on raw RGBA frames with `outputArgs`, returning the bytes of `outName`. */
async function ffmpegFromFrames(
  frames: RawFrames,
  options: EncodeOptions,
  outputArgs: string[],
  outName: string,
): Promise<ArrayBuffer> {
  const { fps, signal, onFrame } = options;
  const ffmpeg = await loadFfmpeg();
  if (signal?.aborted) throw new JobAbortedError();
  const onProgress = ({ progress }: { progress: number }) => {
    onFrame?.(Math.min(frames.numFrames, Math.round(progress * frames.numFrames)), frames.numFrames);
  };
  ffmpeg.on('progress', onProgress);
  try {
    // writeFile transfers the buffer to ffmpeg's worker: hand it a copy so the caller keeps its frames.
    await ffmpeg.writeFile('in.rgba', frames.rgba.slice());
    const input = ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${frames.width}x${frames.height}`, '-r', String(fps)];
    const code = await ffmpeg.exec(
      [...input, '-i', 'in.rgba', ...outputArgs, '-y', outName],
      -1,
      signal ? { signal } : {},
    );
    if (code !== 0) throw new Error(`ffmpeg.wasm exited with code ${code} while writing ${outName}.`);
    const data = await ffmpeg.readFile(outName);
    if (typeof data === 'string') throw new Error(`ffmpeg.wasm returned text instead of ${outName}.`);
    onFrame?.(frames.numFrames, frames.numFrames);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  } catch (error) {
    if (signal?.aborted) throw new JobAbortedError();
    throw error;
  } finally {
    ffmpeg.off('progress', onProgress);
    await Promise.allSettled([ffmpeg.deleteFile('in.rgba'), ffmpeg.deleteFile(outName)]);
  }
}

/** Encodes RGBA frames to an H.264 (`avc1`) MP4 with ffmpeg.wasm. */
export function encodeWithFfmpeg(frames: RawFrames, options: EncodeOptions): Promise<ArrayBuffer> {
  const h264 = [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ];
  return ffmpegFromFrames(frames, options, h264, 'out.mp4');
}

/**
 * Encodes RGBA frames to a looping GIF with ffmpeg.wasm: one palette fitted to the whole clip (GIF holds
 * 256 colours), then dithered onto it.
 */
export function encodeGifWithFfmpeg(
  frames: RawFrames,
  options: EncodeOptions,
  gif: { width?: number; fps?: number } = {},
): Promise<ArrayBuffer> {
  // Rate and size first (frames dropped or kept, Lanczos scaling with the height following the width), so
  // the palette is fitted to what the GIF will hold.
  const before = [
    ...(gif.fps ? [`fps=${gif.fps}`] : []),
    ...(gif.width ? [`scale=${gif.width}:-1:flags=lanczos`] : []),
  ].join(',');
  const graph = `${before ? `${before},` : ''}split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=bayer`;
  const palette = ['-vf', graph, '-loop', '0'];
  return ffmpegFromFrames(frames, options, palette, 'out.gif');
}
