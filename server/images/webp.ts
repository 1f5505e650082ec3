/**
 * Checks a WebP's RIFF container and reads its dimensions from the VP8 (lossy), VP8L (lossless) or VP8X
 * (extended) chunk (https://developers.google.com/speed/webp/docs/riff_container). Animated files are refused.
 */
import { checkDimensions, ImageError, type ImageInfo } from './image-info';

/** Whether `bytes` start with a RIFF header of form WEBP. */
export const isWebp = (bytes: Buffer): boolean =>
  bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';

interface Chunk {
  type: string;
  data: Buffer;
}

function readChunks(bytes: Buffer): Chunk[] {
  const riffEnd = 8 + bytes.readUInt32LE(4);
  if (riffEnd > bytes.length)
    throw new ImageError(`The WebP is truncated (RIFF says ${riffEnd} bytes, the file has ${bytes.length}).`);
  const chunks: Chunk[] = [];
  for (let offset = 12; offset < riffEnd;) {
    if (offset + 8 > riffEnd) throw new ImageError('The WebP is truncated inside a chunk header.');
    const type = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (offset + 8 + size > riffEnd) throw new ImageError(`The WebP is truncated inside its ${type.trim()} chunk.`);
    chunks.push({ type, data: bytes.subarray(offset + 8, offset + 8 + size) });
    offset += 8 + size + (size % 2); // chunks are padded to an even size
  }
  return chunks;
}

function vp8Size(data: Buffer): { width: number; height: number } {
  if (data.length < 10 || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a)
    throw new ImageError('The WebP VP8 chunk has no valid key frame header.');
  const tag = data.readUIntLE(0, 3);
  if ((tag & 1) !== 0) throw new ImageError('The WebP VP8 chunk does not start with a key frame.');
  if (tag >>> 5 > data.length - 10) throw new ImageError('The WebP VP8 chunk is truncated (first partition).');
  return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
}

function vp8lSize(data: Buffer): { width: number; height: number } {
  if (data.length < 5 || data[0] !== 0x2f) throw new ImageError('The WebP VP8L chunk has no valid signature.');
  const bits = data.readUInt32LE(1);
  if (bits >>> 29 !== 0) throw new ImageError('The WebP VP8L chunk has an unknown version.');
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/** Checks a WebP and returns its dimensions. */
export function inspectWebp(bytes: Buffer): ImageInfo {
  if (bytes.length < 20) throw new ImageError('The WebP is truncated.');
  const chunks = readChunks(bytes);
  const first = chunks[0];
  let canvas: { width: number; height: number } | undefined;
  if (first?.type === 'VP8X') {
    if (first.data.length < 10) throw new ImageError('The WebP VP8X chunk is truncated.');
    if (first.data[0]! & 0x02) throw new ImageError('Animated WebP is not accepted; send a still image.');
    canvas = { width: first.data.readUIntLE(4, 3) + 1, height: first.data.readUIntLE(7, 3) + 1 };
  }
  const image = chunks.find((c) => c.type === 'VP8 ' || c.type === 'VP8L');
  if (!image || (!canvas && image !== first)) throw new ImageError('The WebP has no VP8 or VP8L image chunk.');
  const size = image.type === 'VP8L' ? vp8lSize(image.data) : vp8Size(image.data);
  if (canvas && (canvas.width !== size.width || canvas.height !== size.height))
    throw new ImageError('The WebP canvas size does not match its image size.');
  return checkDimensions('webp', size.width, size.height);
}
