/** Decides whether uploaded or imported bytes are an image we accept, by content and never by name. */
import { FORMAT_TYPES, ImageError, type ImageInfo } from './image-info';
import { inspectJpeg, isJpeg } from './jpeg';
import { inspectPng, isPng } from './png';
import { inspectWebp, isWebp } from './webp';

/** Phosor's formats, sniffed from magic bytes, then checked structurally; throws ImageError with the reason. */
export async function inspectImage(
  bytes: Buffer,
  maxBytes: number,
): Promise<ImageInfo & { contentType: string; extension: string }> {
  if (bytes.length === 0) throw new ImageError('The image is empty.');
  if (bytes.length > maxBytes)
    throw new ImageError(`The image is ${bytes.length} bytes; at most ${maxBytes} are accepted.`);
  let info: ImageInfo;
  if (isPng(bytes)) info = await inspectPng(bytes);
  else if (isJpeg(bytes)) info = inspectJpeg(bytes);
  else if (isWebp(bytes)) info = inspectWebp(bytes);
  else throw new ImageError('Not a JPEG, PNG or WebP image (by its first bytes); those are the accepted formats.');
  return { ...info, ...FORMAT_TYPES[info.format] };
}
