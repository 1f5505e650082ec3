/** A job's first frame: read from the file store by its `image_url` key and decoded for image-to-video. */
import type { ImageConditioning } from '../../src/pipeline/image-to-video';
import { decodeImage } from '../images/decode';
import type { FileStore } from '../storage/file-store';

/** Where a worker reads uploaded images (the server's `DATA_DIR/files`, shared with the API nodes). */
export type ImageFiles = Pick<FileStore, 'read'>;

/** The job's image cannot be used; the job fails with code `invalid_image` and is refunded. */
export class JobImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobImageError';
  }
}

/** Reads the bytes of the image under `key` (also what a forwarded job uploads); failures are `JobImageError`s. */
export async function readJobImage(files: ImageFiles | undefined, key: string): Promise<Buffer> {
  if (!files)
    throw new JobImageError(
      `This worker has no image store, so it cannot read ${key}; start it with the API nodes' DATA_DIR/files.`,
    );
  try {
    return await files.read(key);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new JobImageError(`The image ${key} cannot be read (${reason}); upload it again and resubmit.`);
  }
}

/** Reads and decodes the image under `key`; every failure is a `JobImageError` that says what to do. */
export async function loadJobImage(files: ImageFiles | undefined, key: string): Promise<ImageConditioning> {
  const bytes = await readJobImage(files, key);
  try {
    return { mode: 'image-to-video', image: await decodeImage(bytes) };
  } catch (error) {
    throw new JobImageError(`Image ${key}: ${(error as Error).message}`);
  }
}
