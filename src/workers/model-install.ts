/**
 * "Download for offline use" from the settings: a model package's files (its default variant, as a job
 * loads it) are downloaded with progress, verified against the manifest's sizes and sha256 like any load,
 * and only then stored in the cache the service worker serves model files from, so the model runs offline
 * before it has ever been used. Nothing unverified is kept: a failed or cancelled download stores nothing.
 * Storage is checked before the download (the manifest lists every size) and again while storing, so a
 * full quota ends with the space needed instead of a half-kept model.
 */
import { StorageFullError } from '../shared/errors';
import type { LoadProgress } from '../pipeline/model-package/load';
import { loadModelPackage } from '../pipeline/model-package/load';
import { parseManifest, type ModelManifest } from '../pipeline/model-package/manifest';
import { httpPackageSource, type PackageSource } from '../pipeline/model-package/source';
import { storeFiles } from './package-store';

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
      const bytes = fetched.get(path) ?? (await http.read(path, opts));
      fetched.set(path, bytes);
      return bytes;
    },
  };
  // The manifest first: it lists every size, so a full quota is refused before the download.
  await checkRoom(http.label, await source.read('model.json', { signal }));
  await loadModelPackage(source, { onProgress, signal }); // verifies every file it reads
  const bytes = [...fetched.values()].reduce((sum, data) => sum + data.byteLength, 0);
  await storeFiles(http.label, fetched, () => storageFull(http.label, bytes));
  return { files: fetched.size, bytes };
}

/** The bytes the manifest lists for its default variant's files and tokenizer: what the download stores. */
function listedBytes(manifestBytes: Uint8Array, label: string): number {
  let m: ModelManifest;
  try {
    m = parseManifest(JSON.parse(new TextDecoder().decode(manifestBytes)), label);
  } catch {
    return 0; // the loader names what is wrong with it
  }
  const paths = new Set([...Object.values(m.variants[m.default_variant]?.files ?? {}), m.tokenizer.file]);
  return m.files.filter((f) => paths.has(f.path)).reduce((sum, f) => sum + f.size, 0);
}

type Estimate = () => Promise<StorageEstimate> | undefined;
const browserEstimate: Estimate = () => navigator.storage?.estimate?.();

/** Throws StorageFullError before the download when the storage estimate has no room for the package. */
export async function checkRoom(label: string, manifestBytes: Uint8Array, estimate = browserEstimate): Promise<void> {
  await ensureRoom(label, listedBytes(manifestBytes, label) + manifestBytes.byteLength, estimate);
}

/** Throws StorageFullError when the storage estimate has no room for `needed` more bytes. */
export async function ensureRoom(label: string, needed: number, estimate = browserEstimate): Promise<void> {
  const { quota, usage } = (await estimate()) ?? {};
  if (quota !== undefined && usage !== undefined && usage + needed > quota)
    throw storageFull(label, needed, Math.max(0, quota - usage));
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The error for a package of `needed` bytes; `free` when the estimate said how much room is left. */
export function storageFull(label: string, needed: number, free?: number): StorageFullError {
  const why =
    free === undefined
      ? 'the browser refused to store it: its storage for this app is full'
      : `this browser lets the app store ${mb(free)} more`;
  return new StorageFullError(
    `Not enough storage to keep ${label} for offline use: it needs ${mb(needed)}, and ${why}. Delete kept models or clips, or free disk space, then try again.`,
  );
}
