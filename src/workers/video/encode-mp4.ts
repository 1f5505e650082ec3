/** Chooses the MP4 encoder for a job: WebCodecs where it can encode these frames, else ffmpeg.wasm. */
import type { GenerateResult, RawFrames } from '../../shared/protocol';
import type { EncodeOptions, EncoderChoice } from './encode-options';
import { canEncodeWithWebCodecs, encodeWithWebCodecs } from './encode-webcodecs';

/** An encoded clip and the encoder that made it. */
export interface EncodedMp4 {
  mp4: ArrayBuffer;
  encoder: GenerateResult['encoder'];
}

/** Encodes frames to H.264 MP4, honouring a forced encoder choice (used by tests and the `?encoder=` query). */
export async function encodeMp4(
  frames: RawFrames,
  options: EncodeOptions & { encoder?: EncoderChoice },
): Promise<EncodedMp4> {
  const choice = options.encoder ?? 'auto';
  if (choice === 'webcodecs' || (choice === 'auto' && (await canEncodeWithWebCodecs(frames, options.fps)))) {
    return { mp4: await encodeWithWebCodecs(frames, options), encoder: 'webcodecs' };
  }
  // Lazy: ffmpeg.wasm (~31 MB) is fetched only when a job needs it.
  const { encodeWithFfmpeg } = await import('./encode-ffmpeg');
  return { mp4: await encodeWithFfmpeg(frames, options), encoder: 'ffmpeg.wasm' };
}
