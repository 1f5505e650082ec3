/** A server job's live preview (a small PNG) as the RGBA picture the LivePreview component draws. */
import type { LivePreview } from '../worker/generate-client';

/** Decodes `png`; null when this browser cannot (no OffscreenCanvas) or the file is not an image. */
export async function previewFromPng(png: Blob, step: number, totalSteps: number): Promise<LivePreview | null> {
  if (typeof OffscreenCanvas === 'undefined') return null;
  try {
    const bitmap = await createImageBitmap(png);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) return null;
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    return { rgba: new Uint8Array(data.buffer), width: canvas.width, height: canvas.height, step, totalSteps };
  } catch {
    return null;
  }
}
