/** Turns uploaded or imported bytes into a stored image of the user, or a 400 saying why not. */
import type { Readable } from 'node:stream';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { ImageError } from '../images/image-info';
import { inspectImage } from '../images/inspect-image';
import { FileTooLargeError } from './file-store';
import { insertImage, newImageKey, type StoredImage } from './images';
import type { StorageSettings } from './options';

/** Checks the bytes by content, stores the file, then records it (removing the file if that fails). */
export async function storeImage(
  db: Database,
  settings: StorageSettings,
  input: { userId: string; bytes: Buffer; field: string; source: 'upload' | 'import'; sourceUrl?: string },
): Promise<StoredImage> {
  let info;
  try {
    info = await inspectImage(input.bytes, settings.maxImageBytes);
  } catch (error) {
    if (error instanceof ImageError) throw new HttpError(400, 'invalid_image', `${input.field}: ${error.message}`);
    throw error;
  }
  const key = newImageKey(info.format);
  await settings.files.write(key, input.bytes);
  try {
    const { userId, source, sourceUrl } = input;
    return await insertImage(db, { key, userId, info, sizeBytes: input.bytes.length, source, sourceUrl });
  } catch (error) {
    await settings.files.delete(key);
    throw error;
  }
}

/** Reads a part into memory, failing with FileTooLargeError past `maxBytes` (images are small and bounded). */
export async function collectBytes(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) {
      stream.destroy();
      throw new FileTooLargeError(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
