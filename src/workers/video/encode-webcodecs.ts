/**
 * The fast path: H.264 through the browser's `VideoEncoder`, muxed to MP4 by mediabunny.
 * Frames are built from RGBA bytes, never from a WebGPU canvas (a WebGPU canvas gives black
 * frames in headless Chromium; see shared/NOTES.md).
 */
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';
import type { FrameChunk, RawFrames } from '../../shared/protocol';
import { JobAbortedError } from '../../shared/errors';
import type { EncodeOptions } from './encode-options';

/** H.264 Constrained Baseline at the lowest level whose macroblock budget fits the frame. */
export function avcCodecString(width: number, height: number): string {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  // Level limits on frame size in macroblocks (ITU-T H.264 Table A-1): 3.1 → 3600, 4.0 → 8192, 5.1 → 36864.
  const level = macroblocks <= 3600 ? 0x1f : macroblocks <= 8192 ? 0x28 : 0x33;
  return `avc1.42E0${level.toString(16).toUpperCase().padStart(2, '0')}`;
}

function encoderConfig(frames: Pick<RawFrames, 'width' | 'height'>, fps: number): VideoEncoderConfig {
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
    const support = await VideoEncoder.isConfigSupported(encoderConfig(frames, fps));
    return support.supported === true;
  } catch {
    return false;
  }
}

/** An MP4 being encoded with WebCodecs: `add` takes chunks of frames in order, `finish` returns the file. */
export interface WebCodecsWriter {
  add(chunk: FrameChunk): Promise<void>;
  finish(): Promise<ArrayBuffer>;
  /** Closes the encoder; call it whether or not `finish` ran. */
  close(): void;
}

/**
 * Opens an H.264 (`avc1`) MP4 encoder for frames of `size`: a job hands it each chunk as the VAE decodes it,
 * so the clip's raw frames are never all in memory; only the encoded packets grow.
 */
export async function openWebCodecsWriter(
  size: Pick<RawFrames, 'width' | 'height'>,
  options: EncodeOptions,
): Promise<WebCodecsWriter> {
  const { fps, signal, onFrame } = options;
  const { width, height } = size;
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
  encoder.configure(encoderConfig({ width, height }, fps));

  const frameBytes = width * height * 4;
  const frameUs = 1_000_000 / fps;
  let added = 0;
  return {
    async add(chunk) {
      if (chunk.width !== width || chunk.height !== height)
        throw new RangeError(`frames of ${chunk.width}×${chunk.height} sent to a ${width}×${height} encoder`);
      if (chunk.first !== added) throw new RangeError(`frame ${chunk.first} sent when ${added} was expected`);
      for (let k = 0; k < chunk.count; k++) {
        if (signal?.aborted) throw new JobAbortedError();
        if (failure) throw failure;
        const i = chunk.first + k;
        const frame = new VideoFrame(chunk.rgba.subarray(k * frameBytes, (k + 1) * frameBytes), {
          format: 'RGBA',
          codedWidth: width,
          codedHeight: height,
          timestamp: Math.round(i * frameUs),
          duration: Math.round(frameUs),
        });
        // A key frame every 2 s lets players seek without decoding the whole clip.
        encoder.encode(frame, { keyFrame: i % Math.max(1, Math.round(fps * 2)) === 0 });
        frame.close();
        added++;
        onFrame?.(added, chunk.numFrames);
        // Respect encoder backpressure instead of queueing every frame at once.
        while (encoder.encodeQueueSize > 4) await new Promise((r) => setTimeout(r, 1));
      }
    },
    async finish() {
      await encoder.flush();
      await pending;
      if (failure) throw failure;
      encoder.close();
      await output.finalize();
      const buffer = output.target.buffer;
      if (!buffer) throw new Error('The MP4 muxer produced no output.');
      return buffer;
    },
    close() {
      if (encoder.state !== 'closed') encoder.close();
    },
  };
}

/** Encodes RGBA frames to an H.264 (`avc1`) MP4 with WebCodecs. */
export async function encodeWithWebCodecs(frames: RawFrames, options: EncodeOptions): Promise<ArrayBuffer> {
  const writer = await openWebCodecsWriter(frames, options);
  try {
    await writer.add({ ...frames, first: 0, count: frames.numFrames });
    return await writer.finish();
  } finally {
    writer.close();
  }
}
