/**
 * Decodes a stored PNG, JPEG or WebP to straight RGBA for image-to-video, with sharp (libvips, shipped
 * prebuilt inside its npm packages): one decoder for all three formats, native speed on 8192² photos,
 * shrink-on-load for JPEG, and an input pixel limit enforced before any pixel is allocated.
 * https://sharp.pixelplumbing.com/api-constructor
 */
import sharp from 'sharp';
import type { ConditioningImage } from '../../src/shared/protocol';
import { MAX_IMAGE_SIDE } from './image-info';
import { isJpeg } from './jpeg';
import { isPng } from './png';
import { isWebp } from './webp';

/**
 * The longest side kept after decoding, as the browser worker does (`DECODED_MAX_SIDE`): above every
 * model resolution, so nothing is lost, and a 8192² upload becomes 16 MB of RGBA rather than 268 MB.
 */
export const DECODED_MAX_SIDE = 2048;

/** The most pixels libvips may decode: the upload check's side cap, squared (a decompression-bomb guard). */
export const MAX_DECODE_PIXELS = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE;

/** A stored image that cannot be turned into pixels; the message says why and what to do. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Decodes PNG/JPEG/WebP bytes (EXIF orientation applied, first frame of an animation) to RGBA ≤ `maxSide`. */
export async function decodeImage(bytes: Buffer, maxSide = DECODED_MAX_SIDE): Promise<ConditioningImage> {
  // Sniff first: libvips also reads SVG, TIFF, GIF, HEIF…, and only the three accepted formats may reach it.
  if (!(isPng(bytes) || isJpeg(bytes) || isWebp(bytes)))
    throw new ImageDecodeError('The stored image is not a PNG, JPEG or WebP file; upload the picture again.');
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: MAX_DECODE_PIXELS,
      failOn: 'error',
      autoOrient: true,
    })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      // Grey, palette, CMYK and 16-bit inputs all come out as 8-bit sRGB with an alpha channel.
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.length !== info.width * info.height * 4)
      throw new Error(`decoded to ${info.channels} channels of ${info.width}×${info.height}`);
    return {
      rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message.trim().split('\n')[0] : String(error);
    throw new ImageDecodeError(`The stored image could not be decoded (${reason}); upload the picture again.`);
  }
}
