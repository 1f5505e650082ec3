/**
 * Decodes an image file to RGBA in the worker, where `createImageBitmap` and `OffscreenCanvas` exist
 * and the main thread is not blocked (https://developer.mozilla.org/en-US/docs/Web/API/OffscreenCanvas).
 * Browser only, like the WebCodecs encoder; the server decodes uploads its own way.
 */
import { InvalidParamsError } from '../../shared/errors';
import type { ConditioningImage } from '../../shared/protocol';

/**
 * The longest side kept after decoding: above every model resolution (1920), so nothing is lost, and
 * a 6000×4000 photo does not become a 96 MB buffer that crosses the worker boundary with each job.
 */
export const DECODED_MAX_SIDE = 2048;

/** Decodes PNG, JPEG, WebP (whatever the browser reads) to straight RGBA, shrunk to `DECODED_MAX_SIDE`. */
export async function decodeImageFile(bytes: ArrayBuffer, type: string): Promise<ConditioningImage> {
  let bitmap: ImageBitmap;
  try {
    const probe = await createImageBitmap(new Blob([bytes], { type }));
    const scale = Math.min(1, DECODED_MAX_SIDE / Math.max(probe.width, probe.height));
    if (scale === 1) bitmap = probe;
    else {
      bitmap = await createImageBitmap(probe, {
        resizeWidth: Math.max(1, Math.round(probe.width * scale)),
        resizeHeight: Math.max(1, Math.round(probe.height * scale)),
        resizeQuality: 'high',
      });
      probe.close();
    }
  } catch {
    throw new InvalidParamsError(
      `This file is not an image the browser can decode${type ? ` (${type})` : ''}: choose a PNG, JPEG or WebP picture.`,
      'image',
    );
  }
  try {
    const { width, height } = bitmap;
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2D context on an OffscreenCanvas in this worker');
    // Straight (unpremultiplied) colours, as getImageData always returns.
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    return { rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
  } finally {
    bitmap.close();
  }
}
