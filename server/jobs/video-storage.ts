/** Where finished videos live. The embedded server keeps them in `DATA_DIR/videos/<job id>.mp4`. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A store of job videos; a key is what `jobs.video_key` records. */
export interface VideoStorage {
  /** Stores the MP4 of a job and returns its key. */
  write(jobId: string, mp4: Uint8Array): Promise<string>;
  /** The local file of a key, for `res.sendFile` (which answers Range requests, as video players need). */
  localPath(key: string): string;
  /** Deletes a stored video; a missing one is not an error. */
  remove(key: string): Promise<void>;
}

/** Videos as files under `dir`; several API nodes need `dir` on a shared volume. */
export function fsVideoStorage(dir: string): VideoStorage {
  const root = path.resolve(dir);
  const localPath = (key: string): string => {
    // Keys are written by us, but a path must never leave the folder whatever the database holds.
    if (!/^[A-Za-z0-9_-]+\.mp4$/.test(key)) throw new Error(`Not a video key: ${key}`);
    return path.join(root, key);
  };
  return {
    async write(jobId, mp4) {
      const key = `${jobId}.mp4`;
      await mkdir(root, { recursive: true });
      // Write then rename, so a download never sees half a file.
      const partial = `${localPath(key)}.${process.pid}.partial`;
      await writeFile(partial, mp4);
      await rename(partial, localPath(key));
      return key;
    },
    localPath,
    remove: (key) => rm(localPath(key), { force: true }),
  };
}
