/**
 * Model packages in this browser's Cache Storage: where the worker reads a package from (the network, or
 * the cache for an imported one) and how a verified package is written there (all or nothing).
 */
import { ModelPackageError, StorageFullError } from '../shared/errors';
import { IMPORTED_MODELS_PATH, MODEL_CACHE } from '../shared/model-cache';
import { httpPackageSource, type PackageSource } from '../pipeline/model-package/source';

/** Whether `url` names an imported package: same origin, under `/local-models/`. */
export function isImportedUrl(url: string | URL): boolean {
  const u = new URL(url, globalThis.location?.href);
  return u.origin === globalThis.location?.origin && u.pathname.startsWith(IMPORTED_MODELS_PATH);
}

/** The package at `modelUrl` (its folder or its `model.json`): imported ones from the cache, others over HTTP. */
export function packageSource(modelUrl: string): PackageSource {
  const http = httpPackageSource(modelUrl);
  if (!isImportedUrl(http.label)) return http;
  return {
    label: http.label,
    async read(path, opts = {}) {
      opts.signal?.throwIfAborted();
      const url = new URL(path, http.label).href;
      const response = typeof caches === 'undefined' ? undefined : await caches.match(url, { cacheName: MODEL_CACHE });
      if (!response)
        throw new ModelPackageError(
          `${url} is no longer stored in this browser (deleted, or cleared with the site's data). Import the model again in Settings → This device.`,
        );
      const bytes = new Uint8Array(await response.arrayBuffer());
      opts.onProgress?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    },
  };
}

/**
 * Stores verified files under `base` (a package folder URL) in the model cache, all or nothing: a refused
 * write removes what this call stored, and a full quota (QuotaExceededError) throws `full()`'s error.
 */
export async function storeFiles(
  base: string,
  files: Map<string, Uint8Array>,
  full: () => StorageFullError,
): Promise<void> {
  const cache = await caches.open(MODEL_CACHE);
  const stored: string[] = [];
  try {
    for (const [path, data] of files) {
      const type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      const url = new URL(path, base).href;
      await cache.put(
        url,
        new Response(data as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': type, 'content-length': String(data.byteLength) },
        }),
      );
      stored.push(url);
    }
  } catch (error) {
    await Promise.all(stored.map((url) => cache.delete(url)));
    if (error instanceof DOMException && error.name === 'QuotaExceededError') throw full();
    throw error;
  }
}

/** Deletes the cached files under `base` whose paths are not in `keep` (a package imported again drops old files). */
export async function pruneFiles(base: string, keep: Set<string>): Promise<void> {
  const cache = await caches.open(MODEL_CACHE);
  const wanted = new Set([...keep].map((path) => new URL(path, base).href));
  for (const request of await cache.keys())
    if (request.url.startsWith(base) && !wanted.has(request.url)) await cache.delete(request);
}
