/** What an accepted image is, and the error an unacceptable one raises. */

/** The formats Phosor accepts for image-to-video. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** A checked image's format and dimensions. */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Content type and file extension per format. */
export const FORMAT_TYPES: Readonly<Record<ImageFormat, { contentType: string; extension: string }>> = {
  png: { contentType: 'image/png', extension: 'png' },
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  webp: { contentType: 'image/webp', extension: 'webp' },
};

/** Larger sides than this are refused: far beyond any output resolution, and a decompression-bomb guard. */
export const MAX_IMAGE_SIDE = 8192;

/** The bytes are not an acceptable image; the message says which rule they broke. */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** Checks decoded dimensions against 1…MAX_IMAGE_SIDE. */
export function checkDimensions(format: ImageFormat, width: number, height: number): ImageInfo {
  if (width < 1 || height < 1) throw new ImageError(`The ${format.toUpperCase()} has no pixels (${width}×${height}).`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE)
    throw new ImageError(`The image is ${width}×${height}; at most ${MAX_IMAGE_SIDE} pixels per side are accepted.`);
  return { format, width, height };
}
