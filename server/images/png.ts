/** Checks a PNG completely: chunk layout and CRCs, IHDR, and that the IDAT stream inflates to every scanline. */
import { createInflate, crc32 } from 'node:zlib';
import { checkDimensions, ImageError, type ImageInfo } from './image-info';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Bit depths allowed per colour type (PNG spec, table 11.1) and samples per pixel.
const COLOUR_TYPES: Record<number, { depths: number[]; samples: number }> = {
  0: { depths: [1, 2, 4, 8, 16], samples: 1 },
  2: { depths: [8, 16], samples: 3 },
  3: { depths: [1, 2, 4, 8], samples: 1 },
  4: { depths: [8, 16], samples: 2 },
  6: { depths: [8, 16], samples: 4 },
};

// Adam7 passes: x start, y start, x step, y step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Whether `bytes` start with the PNG signature. */
export const isPng = (bytes: Buffer): boolean => bytes.subarray(0, 8).equals(SIGNATURE);

/** How many bytes the filtered scanlines of an image this size hold once inflated. */
function inflatedSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  return ADAM7.reduce(
    (sum, [xs, ys, dx, dy]) => sum + rows(Math.ceil((width - xs) / dx), Math.ceil((height - ys) / dy)),
    0,
  );
}

/** Inflates `data` counting bytes without keeping them, stopping past `expected`. */
function inflatedLength(data: Buffer, expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let length = 0;
    const inflate = createInflate();
    inflate.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > expected) inflate.destroy();
    });
    inflate.on('close', () => resolve(length));
    inflate.on('error', () => reject(new ImageError('The PNG image data is corrupt (it does not inflate).')));
    inflate.end(data);
  });
}

/** Checks a PNG and returns its dimensions. */
export async function inspectPng(bytes: Buffer): Promise<ImageInfo> {
  const idat: Buffer[] = [];
  let header: { width: number; height: number; bitsPerPixel: number; interlaced: boolean } | undefined;
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) throw new ImageError('The PNG is truncated (it ends before its IEND chunk).');
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 8 + length;
    if (length > 0x7fffffff || end + 4 > bytes.length)
      throw new ImageError(`The PNG is truncated inside its ${type} chunk.`);
    if (crc32(bytes.subarray(offset + 4, end)) !== bytes.readUInt32BE(end))
      throw new ImageError(`The PNG's ${type} chunk fails its CRC check.`);
    const data = bytes.subarray(offset + 8, end);
    if (!header && type !== 'IHDR') throw new ImageError('The PNG does not start with an IHDR chunk.');
    if (type === 'IHDR') {
      if (header || length !== 13) throw new ImageError('The PNG has a malformed IHDR chunk.');
      const [depth, colour, compression, filter, interlace] = data.subarray(8, 13);
      const spec = COLOUR_TYPES[colour!];
      if (!spec || !spec.depths.includes(depth!) || compression !== 0 || filter !== 0 || interlace! > 1)
        throw new ImageError(`The PNG's IHDR has an invalid colour type ${colour} / bit depth ${depth} combination.`);
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        bitsPerPixel: depth! * spec.samples,
        interlaced: interlace === 1,
      };
      checkDimensions('png', header.width, header.height);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset = end + 4;
  }
  if (!header || idat.length === 0) throw new ImageError('The PNG has no image data (IDAT chunk).');
  const expected = inflatedSize(header.width, header.height, header.bitsPerPixel, header.interlaced);
  const actual = await inflatedLength(Buffer.concat(idat), expected);
  if (actual !== expected)
    throw new ImageError(
      `The PNG image data is ${actual < expected ? 'truncated' : 'too long'} (${actual} of ${expected} bytes).`,
    );
  return checkDimensions('png', header.width, header.height);
}
