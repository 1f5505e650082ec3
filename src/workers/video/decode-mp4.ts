/**
 * An MP4 back to RGBA frames in the worker, for the playground's edits: mediabunny demuxes and WebCodecs
 * decodes; each frame is drawn on an OffscreenCanvas and read back. Refuses clips whose decoded frames
 * would pass `MAX_EDIT_BYTES`, before decoding them.
 */
import { BufferSource, Input, MP4, VideoSampleSink } from 'mediabunny';
import { MAX_EDIT_BYTES } from '../../shared/edit-ops';
import { InvalidParamsError } from '../../shared/errors';
import type { RawFrames } from '../../shared/protocol';

/** The clip's frames and its frame rate (from its duration). */
export async function decodeMp4(bytes: Uint8Array): Promise<{ frames: RawFrames; fps: number }> {
  const input = new Input({ source: new BufferSource(bytes), formats: [MP4] }); // MP4 only: every other demuxer would add ~60 KB to the worker
  try {
    const track = await input.getPrimaryVideoTrack().catch(() => null);
    if (!track) throw new InvalidParamsError('This file is not a video this browser can read: pick an MP4 clip.');
    const { displayWidth: width, displayHeight: height } = track;
    const stats = await track.computePacketStats();
    const numFrames = stats.packetCount;
    if (numFrames * width * height * 4 > MAX_EDIT_BYTES)
      throw new InvalidParamsError(
        `This clip (${width}×${height}, ${numFrames} frames) is too large to edit in the browser: edit a shorter or smaller clip.`,
      );
    const rgba = new Uint8Array(numFrames * width * height * 4);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('This browser cannot draw video frames off screen, so it cannot edit clips.');
    let n = 0;
    for await (const sample of new VideoSampleSink(track).samples()) {
      if (n < numFrames) {
        sample.draw(context, 0, 0, width, height);
        rgba.set(context.getImageData(0, 0, width, height).data, n * width * height * 4);
        n++;
      }
      sample.close();
    }
    const duration = await track.computeDuration();
    const fps = duration > 0 ? Math.round(n / duration) : 16;
    return { frames: { rgba: rgba.subarray(0, n * width * height * 4), width, height, numFrames: n }, fps };
  } finally {
    input.dispose();
  }
}
