/**
 * Checks a JPEG's structure from SOI to EOI: every segment's length in bounds, a frame header (SOF) with
 * dimensions before the first scan, and the entropy-coded data of each scan ending in a marker.
 */
import { checkDimensions, ImageError, type ImageInfo } from './image-info';

/** Whether `bytes` start with SOI followed by a marker. */
export const isJpeg = (bytes: Buffer): boolean => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

// SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

const truncated = () => new ImageError('The JPEG is truncated (it ends before its EOI marker).');

/** Skips entropy-coded data to the next real marker (0xFF not followed by 0x00 or a restart marker). */
function skipScan(bytes: Buffer, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1]!;
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return i;
  }
  throw truncated();
}

/** Checks a JPEG and returns its dimensions. */
export function inspectJpeg(bytes: Buffer): ImageInfo {
  let size: { width: number; height: number } | undefined;
  let scans = 0;
  let offset = 2;
  for (;;) {
    if (offset >= bytes.length) throw truncated();
    if (bytes[offset] !== 0xff) throw new ImageError(`The JPEG is corrupt: expected a marker at byte ${offset}.`);
    while (bytes[offset] === 0xff) offset++; // fill bytes
    if (offset >= bytes.length) throw truncated();
    const marker = bytes[offset++]!;
    if (marker === 0xd9) break;
    if (isStandalone(marker)) continue;
    if (marker === 0xd8) throw new ImageError('The JPEG is corrupt: a second SOI marker.');
    if (offset + 2 > bytes.length) throw truncated();
    const length = bytes.readUInt16BE(offset);
    if (length < 2 || offset + length > bytes.length) throw truncated();
    if (isFrameHeader(marker)) {
      if (size || length < 8) throw new ImageError('The JPEG has a malformed or repeated frame header (SOF).');
      size = { height: bytes.readUInt16BE(offset + 3), width: bytes.readUInt16BE(offset + 5) };
      const components = bytes[offset + 7]!;
      if (components < 1 || components > 4 || length !== 8 + 3 * components)
        throw new ImageError(`The JPEG's frame header lists ${components} components; 1 to 4 are valid.`);
      checkDimensions('jpeg', size.width, size.height);
    }
    offset += length;
    if (marker === 0xda) {
      if (!size) throw new ImageError('The JPEG has a scan (SOS) before its frame header (SOF).');
      scans++;
      offset = skipScan(bytes, offset);
    }
  }
  if (!size || scans === 0) throw new ImageError('The JPEG has no frame header or no image data.');
  return checkDimensions('jpeg', size.width, size.height);
}
