/** Chooses the MP4 encoder for a job: WebCodecs where it can encode these frames, else ffmpeg.wasm. */
import type { FrameChunk, GenerateResult, RawFrames } from '../../shared/protocol';
import { frameCollector } from '../../pipeline/frames';
import type { EncodeOptions, EncoderChoice } from './encode-options';
import { canEncodeWithWebCodecs, openWebCodecsWriter } from './encode-webcodecs';

/** An encoded clip and the encoder that made it. */
export interface EncodedMp4 {
  mp4: ArrayBuffer;
  encoder: GenerateResult['encoder'];
}

/** An MP4 being written: `add` takes chunks of frames in order, `finish` returns the file. */
export interface Mp4Writer {
  add(chunk: FrameChunk): Promise<void>;
  finish(): Promise<EncodedMp4>;
  /** Frees the encoder; call it whether or not `finish` ran. */
  close(): void;
}

/**
 * Opens the MP4 encoder for frames of `size`, honouring a forced choice (used by tests and the `?encoder=`
 * query). WebCodecs encodes each chunk as it arrives, so a job's raw frames are never all in memory;
 * ffmpeg.wasm (the fallback) needs the whole clip, so its writer gathers the chunks first.
 */
export async function openMp4Writer(
  size: Pick<RawFrames, 'width' | 'height'>,
  options: EncodeOptions & { encoder?: EncoderChoice },
): Promise<Mp4Writer> {
  const choice = options.encoder ?? 'auto';
  if (choice === 'webcodecs' || (choice === 'auto' && (await canEncodeWithWebCodecs(size, options.fps)))) {
    const writer = await openWebCodecsWriter(size, options);
    return {
      add: (chunk) => writer.add(chunk),
      finish: async () => ({ mp4: await writer.finish(), encoder: 'webcodecs' }),
      close: () => writer.close(),
    };
  }
  const gathered = frameCollector();
  return {
    add: async (chunk) => gathered.sink(chunk),
    async finish() {
      // Lazy: ffmpeg.wasm (~31 MB) is fetched only when a job needs it.
      const { encodeWithFfmpeg } = await import('./encode-ffmpeg');
      return { mp4: await encodeWithFfmpeg(gathered.frames(), options), encoder: 'ffmpeg.wasm' };
    },
    close: () => {},
  };
}

/** Encodes a whole clip's frames to H.264 MP4 (edits and extensions, which hold every frame anyway). */
export async function encodeMp4(
  frames: RawFrames,
  options: EncodeOptions & { encoder?: EncoderChoice },
): Promise<EncodedMp4> {
  const writer = await openMp4Writer(frames, options);
  try {
    await writer.add({ ...frames, first: 0, count: frames.numFrames });
    return await writer.finish();
  } finally {
    writer.close();
  }
}
