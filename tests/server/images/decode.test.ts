import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage, DECODED_MAX_SIDE, ImageDecodeError } from '../../../server/images/decode';
import {
  JPEG_3X2,
  JPEG_PROGRESSIVE_3X2,
  WEBP_LOSSLESS_3X2,
  WEBP_LOSSY_3X2,
  png,
  webpExtended,
} from '../../helpers/images';

/**
 * Golden RGB of the 3×2 fixtures from independent decoders (Debian 12's djpeg -pnm, libjpeg-turbo
 * 2.1.5; dwebp -pam, libwebp 1.2.4). sharp matched them exactly; ±1 leaves room for a decoder update.
 */
const GOLDEN: Record<string, number[]> = {
  jpeg: [150, 145, 123, 101, 96, 74, 128, 192, 158, 196, 191, 169, 107, 102, 80, 5, 69, 35],
  progressive: [139, 149, 124, 96, 106, 81, 130, 183, 155, 193, 203, 178, 92, 102, 77, 11, 64, 36],
  lossy: [151, 151, 114, 93, 107, 77, 137, 181, 161, 189, 188, 152, 119, 133, 104, 6, 50, 31],
  lossless: [180, 106, 234, 85, 79, 187, 115, 208, 87, 201, 212, 26, 90, 173, 6, 2, 28, 106],
};

const rgbOf = (rgba: Uint8Array) => Array.from(rgba).filter((_, i) => i % 4 !== 3);
const alphaOf = (rgba: Uint8Array) => Array.from(rgba).filter((_, i) => i % 4 === 3);

/** A PNG whose header claims `width`×`height` with one row of data (enough for the pixel-limit check). */
function hugePngHeader(width: number, height: number): Buffer {
  const good = png(1, 1);
  const copy = Buffer.from(good);
  copy.writeUInt32BE(width, 16);
  copy.writeUInt32BE(height, 20);
  return Buffer.concat([copy.subarray(0, 33), good.subarray(33)]);
}

describe('decodeImage', () => {
  describe('each accepted format, against golden pixels', () => {
    it.each([
      ['baseline JPEG', JPEG_3X2, 'jpeg'],
      ['progressive JPEG', JPEG_PROGRESSIVE_3X2, 'progressive'],
      ['lossy WebP', WEBP_LOSSY_3X2, 'lossy'],
      ['extended WebP', webpExtended(), 'lossy'],
      ['lossless WebP', WEBP_LOSSLESS_3X2, 'lossless'],
    ])('decodes a %s to 3×2 opaque RGBA', async (_name, bytes, golden) => {
      const image = await decodeImage(bytes);
      expect([image.width, image.height, image.rgba.length]).toEqual([3, 2, 24]);
      const rgb = rgbOf(image.rgba);
      rgb.forEach((v, i) => expect(Math.abs(v - GOLDEN[golden]![i]!)).toBeLessThanOrEqual(1));
      expect(alphaOf(image.rgba)).toEqual(Array(6).fill(255));
    });

    it('decodes a PNG exactly (its gradient is R = x, G = y, B = x + y)', async () => {
      const image = await decodeImage(png(5, 4));
      expect([image.width, image.height]).toEqual([5, 4]);
      const at = (x: number, y: number) => Array.from(image.rgba.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4));
      expect(at(0, 0)).toEqual([0, 0, 0, 255]);
      expect(at(4, 3)).toEqual([4, 3, 7, 255]);
      expect(at(2, 1)).toEqual([2, 1, 3, 255]);
    });
  });

  describe('size bounds', () => {
    it(`shrinks the longest side to ${DECODED_MAX_SIDE}, keeping the aspect ratio`, async () => {
      const image = await decodeImage(png(4096, 8));
      expect([image.width, image.height]).toEqual([DECODED_MAX_SIDE, 4]);
      expect(image.rgba.length).toBe(DECODED_MAX_SIDE * 4 * 4);
    });

    it('never enlarges', async () => {
      const image = await decodeImage(png(5, 4), 64);
      expect([image.width, image.height]).toEqual([5, 4]);
    });

    it('refuses an image over the pixel limit before decoding it', async () => {
      await expect(decodeImage(hugePngHeader(9000, 9000))).rejects.toThrow(/pixel limit/);
    });
  });

  describe('unusable bytes', () => {
    it.each([
      ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), /not a PNG, JPEG or WebP/],
      ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'), /not a PNG/],
      ['empty bytes', Buffer.alloc(0), /not a PNG/],
      ['a PNG cut in half', png(64, 64).subarray(0, 60), /could not be decoded/],
      ['a JPEG cut short', JPEG_3X2.subarray(0, 200), /could not be decoded/],
      [
        'a PNG with garbage for its data',
        Buffer.concat([png(8, 8).subarray(0, 41), deflateSync(Buffer.alloc(3))]),
        /could not be decoded/,
      ],
    ])('refuses %s with an ImageDecodeError', async (_name, bytes, message) => {
      const failure = decodeImage(bytes);
      await expect(failure).rejects.toBeInstanceOf(ImageDecodeError);
      await expect(failure).rejects.toThrow(message);
    });
  });
});
