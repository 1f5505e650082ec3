/**
 * Tiny real images for upload tests. The PNGs are built here with zlib; the JPEGs and WebPs were encoded
 * once from a random 3×2 picture with libjpeg-turbo's cjpeg and libwebp's cwebp (Debian 12) and are kept as
 * base64, so the tests need neither tool.
 */
import { crc32, deflateSync } from 'node:zlib';

const b64 = (text: string) => Buffer.from(text, 'base64');

/** A 3×2 baseline JPEG (cjpeg -quality 80). */
export const JPEG_3X2 = b64(
  [
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYn',
    'KSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo',
    'KCgoKCgoKCj/wAARCAACAAMDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF',
    'BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW',
    'V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi',
    '4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC',
    'AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm',
    'Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq',
    '8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDzb4ja1qmn+N9XtbDUr21to5vkihndEXIBOADgckn8aKKKiHwo8Ot/El6s/9k=',
  ].join(''),
);

/** A 3×2 progressive JPEG (cjpeg -progressive). */
export const JPEG_PROGRESSIVE_3X2 = b64(
  [
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAx',
    'NDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy',
    'MjIyMjIyMjL/wgARCAACAAMDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAVAQEBAAAAAAAAAAAAAAAAAAABBP/a',
    'AAwDAQACEAMQAAABhgk//8QAFhABAQEAAAAAAAAAAAAAAAAAAwQC/9oACAEBAAEFAq1TFf8A/8QAFhEAAwAAAAAAAAAAAAAAAAAA',
    'AAIx/9oACAEDAQE/AWp//8QAFREBAQAAAAAAAAAAAAAAAAAAAAH/2gAIAQIBAT8Bj//EABkQAAMAAwAAAAAAAAAAAAAAAAECAwAR',
    'Mf/aAAgBAQAGPwKirRgN8Bz/xAAWEAEBAQAAAAAAAAAAAAAAAAABACH/2gAIAQEAAT8hIF8JAv/aAAwDAQACAAMAAAAQ8//EABYR',
    'AAMAAAAAAAAAAAAAAAAAAAAxcf/aAAgBAwEBPxBtP//EABYRAAMAAAAAAAAAAAAAAAAAAAABMf/aAAgBAgEBPxCEf//EABgQAQEA',
    'AwAAAAAAAAAAAAAAAAERACEx/9oACAEBAAE/EO+p5ACwGG1z/9k=',
  ].join(''),
);

/** A 3×2 lossy WebP (VP8, cwebp -q 80). */
export const WEBP_LOSSY_3X2 = b64(
  [
    'UklGRkgAAABXRUJQVlA4IDwAAACwAQCdASoDAAIAAUAmJaACdAEO/gLsAP7SvuwCb9ce+/4cvpBTWfS76C/ECyr+3iI2xP2B9LH0',
    'tiWFAAA=',
  ].join(''),
);

/** A 3×2 lossless WebP (VP8L, cwebp -lossless). */
export const WEBP_LOSSLESS_3X2 = b64(
  [
    'UklGRkwAAABXRUJQVlA4TEAAAAAvAkAAAC9AFmACMvshxNKbSSBkASaGU5hfJpEE0UMWYOIxiRHkllFXfvMfLZ/Yxh8qFBSyjQCH',
    '7vU4iIvof5wr',
  ].join(''),
);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A valid RGBA PNG of that size (8-bit, not interlaced, a gradient). */
export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(x & 255, y & 255, (x + y) & 255, 255);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The lossy WebP wrapped in an extended (VP8X) container with the right canvas size. */
export function webpExtended(flags = 0): Buffer {
  const vp8 = WEBP_LOSSY_3X2.subarray(12);
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x[8] = flags;
  vp8x.writeUIntLE(3 - 1, 12, 3);
  vp8x.writeUIntLE(2 - 1, 15, 3);
  const head = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  head.writeUInt32LE(4 + vp8x.length + vp8.length, 4);
  return Buffer.concat([head, vp8x, vp8]);
}
