import { describe, expect, it } from 'vitest';
import { inspectImage } from '../../../server/images/inspect-image';
import {
  JPEG_3X2,
  JPEG_PROGRESSIVE_3X2,
  WEBP_LOSSLESS_3X2,
  WEBP_LOSSY_3X2,
  png,
  webpExtended,
} from '../../helpers/images';

const LIMIT = 1024 * 1024;

describe('inspectImage', () => {
  describe('valid images', () => {
    it.each([
      ['PNG', png(5, 4), 'png', 5, 4],
      ['baseline JPEG', JPEG_3X2, 'jpeg', 3, 2],
      ['progressive JPEG', JPEG_PROGRESSIVE_3X2, 'jpeg', 3, 2],
      ['lossy WebP', WEBP_LOSSY_3X2, 'webp', 3, 2],
      ['lossless WebP', WEBP_LOSSLESS_3X2, 'webp', 3, 2],
      ['extended WebP', webpExtended(), 'webp', 3, 2],
    ])('accepts a %s', async (_name, bytes, format, width, height) => {
      await expect(inspectImage(bytes, LIMIT)).resolves.toMatchObject({ format, width, height });
    });
    it('names the content type and extension by content', async () => {
      await expect(inspectImage(JPEG_3X2, LIMIT)).resolves.toMatchObject({
        contentType: 'image/jpeg',
        extension: 'jpg',
      });
    });
  });

  describe('wrong magic bytes', () => {
    it.each([
      ['text', Buffer.from('hello, this is not an image')],
      ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
      ['empty', Buffer.alloc(0)],
    ])('refuses %s', async (_name, bytes) => {
      await expect(inspectImage(bytes, LIMIT)).rejects.toThrow(/JPEG, PNG or WebP|empty/);
    });
  });

  describe('truncated or corrupt images', () => {
    const good = png(16, 16);
    const flipped = (bytes: Buffer, at: number) => {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ 0xff;
      return copy;
    };
    it.each([
      ['a PNG cut in half', good.subarray(0, good.length / 2), /truncated/],
      ['a PNG with a flipped IDAT byte', flipped(good, 45), /CRC/],
      ['a PNG without IEND', good.subarray(0, good.length - 12), /truncated/],
      ['a JPEG cut short', JPEG_3X2.subarray(0, JPEG_3X2.length - 40), /truncated/],
      ['a JPEG header only', JPEG_3X2.subarray(0, 20), /truncated/],
      ['a WebP cut short', WEBP_LOSSY_3X2.subarray(0, 40), /truncated/],
      ['an animated WebP', webpExtended(0x02), /Animated/],
    ])('refuses %s', async (_name, bytes, message) => {
      await expect(inspectImage(bytes, LIMIT)).rejects.toThrow(message);
    });
    it('refuses a PNG whose pixel data is short (valid CRCs)', async () => {
      const small = png(4, 4);
      const header = png(4, 8).subarray(0, 33); // claims 8 rows
      await expect(inspectImage(Buffer.concat([header, small.subarray(33)]), LIMIT)).rejects.toThrow(
        /image data is truncated/,
      );
    });
  });

  describe('limits', () => {
    it('refuses more bytes than the limit', async () => {
      await expect(inspectImage(png(64, 64), 100)).rejects.toThrow(/at most 100/);
    });
    it('refuses a side over 8192 pixels before inflating', async () => {
      await expect(inspectImage(png(9000, 1), LIMIT)).rejects.toThrow(/9000×1/);
    });
  });
});
