/** A decoded conditioning image back to a PNG file, for the server's image upload (lossless, any size). */
import type { ConditioningImage } from '../../shared/protocol';

export async function pngOf(image: ConditioningImage): Promise<Blob> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  if (!context)
    throw new Error('This browser cannot draw images off screen, so the image cannot be sent to the server.');
  context.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
