/** A model package read from a folder on disk: the Node counterpart of `httpPackageSource`. */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ModelPackageError } from '../../src/shared/errors';
import type { PackageSource } from '../../src/pipeline/model-package/source';

const CHUNK = 4 << 20;

/** Reads package files from `dir`; paths are manifest-relative and may not leave the folder. */
export function fsPackageSource(dir: string): PackageSource {
  const root = path.resolve(dir);
  return {
    label: root,
    async read(relative, opts = {}) {
      const file = path.resolve(root, relative);
      // The manifest schema already refuses `..`; this guards callers that pass other paths.
      if (!file.startsWith(root + path.sep))
        throw new ModelPackageError(`${relative} is outside the package folder ${root}.`);
      opts.signal?.throwIfAborted();
      let handle;
      try {
        handle = await open(file, 'r');
      } catch (error) {
        throw new ModelPackageError(
          `Cannot read ${file}: ${(error as Error).message}. Check the package folder, or rebuild the built-in packages with \`npm run models:build\`.`,
        );
      }
      try {
        const { size } = await handle.stat();
        const bytes = new Uint8Array(size);
        // Chunked reads so large graphs report progress and can be cancelled like downloads.
        for (let offset = 0; offset < size;) {
          opts.signal?.throwIfAborted();
          const { bytesRead } = await handle.read(bytes, offset, Math.min(CHUNK, size - offset), offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          opts.onProgress?.(offset, size);
        }
        if (size === 0) opts.onProgress?.(0, 0);
        return bytes;
      } finally {
        await handle.close();
      }
    },
  };
}
