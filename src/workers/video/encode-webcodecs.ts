/**
 * The fast path: H.264 through the browser's `VideoEncoder`, muxed to MP4 by mediabunny.
 * Frames are built from RGBA bytes, never from a WebGPU canvas (a WebGPU canvas gives black
 * frames in headless Chromium; see shared/NOTES.md).
 */
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';
import type { RawFrames } from '../../shared/protocol';
import { JobAbortedError } from '../../shared/errors';
import type { EncodeOptions } from './encode-options';

/** H.264 Constrained Baseline at the lowest level whose macroblock budget fits the frame. */
export function avcCodecString(width: number, height: number): string {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  // Level limits on frame size in macroblocks (ITU-T H.264 Table A-1): 3.1 → 3600, 4.0 → 8192, 5.1 → 36864.
  const level = macroblocks <= 3600 ? 0x1f : macroblocks <= 8192 ? 0x28 : 0x33;
  return `avc1.42E0${level.toString(16).toUpperCase().padStart(2, '0')}`;
}

function encoderConfig(frames: RawFrames, fps: number): VideoEncoderConfig {
  return {
    codec: avcCodecString(frames.width, frames.height),
    width: frames.width,
    height: frames.height,
    framerate: fps,
    // ~0.2 bits per pixel per frame keeps small clips sharp; floor for tiny resolutions.
    bitrate: Math.max(200_000, Math.round(frames.width * frames.height * fps * 0.2)),
    avc: { format: 'avc' },
    latencyMode: 'quality',
  };
}

/** True when this browser can encode these frames with WebCodecs H.264. */
export async function canEncodeWithWebCodecs(
  frames: Pick<RawFrames, 'width' | 'height'>,
  fps: number,
): Promise<boolean> {
  if (typeof VideoEncoder === 'undefined' || typeof VideoFrame === 'undefined') return false;
  if (frames.width % 2 !== 0 || frames.height % 2 !== 0) return false;
  try {
    const support = await VideoEncoder.isConfigSupported(
      encoderConfig({ ...frames, rgba: new Uint8Array(0), numFrames: 0 }, fps),
    );
    return support.supported === true;
  } catch {
    return false;
  }
}

/** Encodes RGBA frames to an H.264 (`avc1`) MP4 with WebCodecs. */
export async function encodeWithWebCodecs(frames: RawFrames, options: EncodeOptions): Promise<ArrayBuffer> {
  const { fps, signal, onFrame } = options;
  const { width, height, numFrames, rgba } = frames;
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  const source = new EncodedVideoPacketSource('avc');
  output.addVideoTrack(source, { frameRate: fps });
  await output.start();

  // Packets are muxed in the order the encoder emits them; `pending` keeps that order across awaits.
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      const packet = EncodedPacket.fromEncodedChunk(chunk);
      pending = pending.then(() => source.add(packet, meta ?? undefined));
    },
    error: (error) => {
      failure = error;
    },
  });
  encoder.configure(encoderConfig(frames, fps));

  const frameBytes = width * height * 4;
  const frameUs = 1_000_000 / fps;
  try {
    for (let i = 0; i < numFrames; i++) {
      if (signal?.aborted) throw new JobAbortedError();
      if (failure) throw failure;
      const data = rgba.subarray(i * frameBytes, (i + 1) * frameBytes);
      const frame = new VideoFrame(data, {
        format: 'RGBA',
        codedWidth: width,
        codedHeight: height,
        timestamp: Math.round(i * frameUs),
        duration: Math.round(frameUs),
      });
      // A key frame every 2 s lets players seek without decoding the whole clip.
      encoder.encode(frame, { keyFrame: i % Math.max(1, Math.round(fps * 2)) === 0 });
      frame.close();
      onFrame?.(i + 1, numFrames);
      // Respect encoder backpressure instead of queueing every frame at once.
      while (encoder.encodeQueueSize > 4) await new Promise((r) => setTimeout(r, 1));
    }
    await encoder.flush();
    await pending;
    if (failure) throw failure;
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  await output.finalize();
  const buffer = output.target.buffer;
  if (!buffer) throw new Error('The MP4 muxer produced no output.');
  return buffer;
}
