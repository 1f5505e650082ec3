/** Reads an MP4 in Node with mediabunny: codec, size and frame count of its video track. */
import { ALL_FORMATS, BufferSource, Input } from 'mediabunny';

/** What the specs check about a clip. */
export interface Mp4Facts {
  mimeType: string;
  /** Mediabunny's codec name: `avc` for H.264. */
  codec: string | null;
  /** RFC 6381 codec string, e.g. `avc1.42c01f`. */
  codecString: string | null;
  width: number;
  height: number;
  frameCount: number;
  durationSeconds: number;
}

/** Parses `bytes` as MP4, or throws when it is not one. */
export async function inspectMp4(bytes: Uint8Array): Promise<Mp4Facts> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new Error('the file has no video track');
    const stats = await track.computePacketStats();
    return {
      mimeType: await input.getMimeType(),
      codec: track.codec,
      codecString: await track.getCodecParameterString(),
      width: track.codedWidth,
      height: track.codedHeight,
      frameCount: stats.packetCount,
      durationSeconds: await input.computeDuration(),
    };
  } finally {
    input.dispose();
  }
}
