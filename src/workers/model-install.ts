/**
 * "Download for offline use" from the settings: a model package's files (its default variant, as a job
 * loads it) are downloaded with progress, verified against the manifest's sizes and sha256 like any load,
 * and only then stored in the cache the service worker serves model files from, so the model runs offline
 * before it has ever been used. Nothing unverified is kept: a failed or cancelled download stores nothing.
 */
import { MODEL_CACHE } from '../shared/model-cache';
import type { LoadProgress } from '../pipeline/model-package/load';
import { loadModelPackage } from '../pipeline/model-package/load';
import { httpPackageSource, type PackageSource } from '../pipeline/model-package/source';

/** What a finished download stored. */
export interface InstalledPackage {
  files: number;
  bytes: number;
}

export async function installModel(
  modelUrl: string,
  onProgress?: (event: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<InstalledPackage> {
  if (typeof caches === 'undefined')
    throw new Error('This browser offers no Cache Storage here, so models cannot be kept for offline use.');
  const http = httpPackageSource(modelUrl);
  const fetched = new Map<string, Uint8Array>();
  const source: PackageSource = {
    label: http.label,
    async read(path, opts) {
      const bytes = await http.read(path, opts);
      fetched.set(path, bytes);
      return bytes;
    },
  };
  await loadModelPackage(source, { onProgress, signal }); // verifies every file it reads
  const cache = await caches.open(MODEL_CACHE);
  let bytes = 0;
  for (const [path, data] of fetched) {
    const type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    await cache.put(
      new URL(path, http.label).href,
      new Response(data as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': type, 'content-length': String(data.byteLength) },
      }),
    );
    bytes += data.byteLength;
  }
  return { files: fetched.size, bytes };
}
