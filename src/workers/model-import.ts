/**
 * "Add a model" in the settings: a package from any URL (CORS permitting) or from a folder on this computer.
 * Every file the manifest lists is read with progress and verified by size and sha256 before anything is
 * stored (all variants: the device plan may pick any of them), then the package is kept under
 * `/local-models/<folder>/` and runs with no network. A package that fails anywhere stores nothing.
 */
import { InvalidParamsError, ModelPackageError } from '../shared/errors';
import { IMPORTED_MODELS_PATH, MAX_PICKED_FILES, importedFolder } from '../shared/model-cache';
import { verifyFile, type LoadProgress } from '../pipeline/model-package/load';
import { parseManifest } from '../pipeline/model-package/manifest';
import { httpPackageSource, type PackageSource } from '../pipeline/model-package/source';
import { ensureRoom, storageFull } from './model-install';
import { pruneFiles, storeFiles } from './package-store';

/** Where a package comes from: a URL (of its folder or its model.json), or files picked with their relative paths. */
export type ImportFrom = { url: string } | { files: [path: string, file: Blob][] };

/** What an import kept. */
export interface ImportedPackage {
  /** The kept package's `model.json`, for the catalog and for jobs. */
  modelUrl: string;
  folder: string;
  name: string;
  files: number;
  bytes: number;
}

/** The largest model.json read (phosphene-v1's is 34 KB). */
const MAX_MANIFEST_BYTES = 1 << 20;

/** Checks an import request from the page (a worker message, so untrusted). */
export function parseImportFrom(from: unknown): ImportFrom {
  const what = 'Add a model takes { url } (http or https) or { files: [[path, File], …] }';
  if (typeof from !== 'object' || from === null) throw new InvalidParamsError(`${what}.`);
  if ('url' in from) {
    const { url } = from;
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url.trim()) || url.length > 2000 || !URL.canParse(url.trim()))
      throw new InvalidParamsError(
        "The model's address must be an http(s) URL of its folder or its model.json, e.g. https://example.com/models/my-model/.",
      );
    return { url: url.trim() };
  }
  const files = (from as { files?: unknown }).files;
  if (!Array.isArray(files) || files.length === 0) throw new InvalidParamsError(`${what}.`);
  if (files.length > MAX_PICKED_FILES)
    throw new InvalidParamsError(
      `The folder holds ${files.length} files; a model package has far fewer. Pick the folder that holds its model.json.`,
    );
  for (const entry of files)
    if (
      !Array.isArray(entry) ||
      typeof entry[0] !== 'string' ||
      entry[0].length === 0 ||
      entry[0].length > 500 ||
      !(entry[1] instanceof Blob)
    )
      throw new InvalidParamsError(`${what}: each file as [its path in the folder, the File].`);
  return { files: files as [string, Blob][] };
}

/**
 * The package inside picked files: the folder of the shallowest `model.json`, with paths made relative to
 * it (a picked folder arrives as `my-model/model.json`, or one level up as `models/my-model/model.json`).
 */
export function packageFiles(files: [string, Blob][]): { root: string; files: Map<string, Blob> } {
  const paths = files.map(([path]) => path.replaceAll('\\', '/').replace(/^\/+/, ''));
  const manifests = paths.filter((p) => p === 'model.json' || p.endsWith('/model.json'));
  if (manifests.length === 0)
    throw new ModelPackageError(
      'The chosen files hold no model.json: pick the folder of a Phosphene model package (the one with model.json in it).',
    );
  const root = manifests.sort((a, b) => a.split('/').length - b.split('/').length)[0]!.slice(0, -'model.json'.length);
  const out = new Map<string, Blob>();
  files.forEach(([, blob], i) => {
    if (paths[i]!.startsWith(root)) out.set(paths[i]!.slice(root.length), blob);
  });
  return { root, files: out };
}

/** Picked files as a package source, labelled by the package's folder as picked (`my-model/`). */
function filesSource({ root, files }: { root: string; files: Map<string, Blob> }): PackageSource {
  const label = root || 'the chosen folder';
  return {
    label,
    async read(path, opts = {}) {
      opts.signal?.throwIfAborted();
      const blob = files.get(path);
      if (!blob)
        throw new ModelPackageError(`${label} has no ${path}, which its model.json lists. Is the package whole?`);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      opts.onProgress?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    },
  };
}

/** A URL as a package source whose network failures say what to check (a refused CORS read is a TypeError). */
function urlSource(url: string): PackageSource {
  const http = httpPackageSource(url);
  return {
    label: http.label,
    async read(path, opts) {
      try {
        return await http.read(path, opts);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        throw new ModelPackageError(
          `Could not read ${new URL(path, http.label).href}: the server did not answer, or does not let other sites read it (it must send Access-Control-Allow-Origin); a plain http address must also be listed in CONNECT_SRC on the server of this app. Check the address, or download the package and add its folder.`,
        );
      }
    },
  };
}

/** Imports a package: read, verified, then kept. Progress as the loader's `load` events, one file at a time. */
export async function importModel(
  from: ImportFrom,
  onProgress?: (event: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<ImportedPackage> {
  if (typeof caches === 'undefined')
    throw new Error('This browser offers no Cache Storage here, so models cannot be kept in it.');
  const source = 'url' in from ? urlSource(from.url) : filesSource(packageFiles(from.files));
  // A URL's server chooses what it sends: reading stops past the size expected, before memory runs out.
  const capped = (what: string, max: number) => (loaded: number) => {
    if (loaded > max)
      throw new ModelPackageError(`${source.label} ${what} is larger than ${max} bytes: not a package file.`);
  };
  const manifestBytes = await source.read('model.json', {
    signal,
    onProgress: capped('model.json', MAX_MANIFEST_BYTES),
  });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new ModelPackageError(`${source.label} model.json is not valid JSON: ${(error as Error).message}.`);
  }
  const manifest = parseManifest(json, `${source.label} model.json`);
  const total = manifest.files.reduce((sum, f) => sum + f.size, manifestBytes.byteLength);
  await ensureRoom(source.label, total);
  const files = new Map<string, Uint8Array>([['model.json', manifestBytes]]);
  for (const entry of manifest.files) {
    const bytes = await source.read(entry.path, {
      signal,
      onProgress: (loadedBytes, totalBytes) => {
        capped(entry.path, entry.size)(loadedBytes); // its model.json says how large it is
        onProgress?.({ type: 'load', file: entry.path, loadedBytes, totalBytes: totalBytes || entry.size });
      },
    });
    await verifyFile(source.label, entry.path, bytes, entry);
    files.set(entry.path, bytes);
  }
  const folder = importedFolder(manifest.id);
  const base = new URL(`${IMPORTED_MODELS_PATH}${folder}/`, location.href).href;
  await storeFiles(base, files, () => storageFull(source.label, total));
  await pruneFiles(base, new Set(files.keys())); // files of an earlier import of this id that this one lacks
  return { modelUrl: `${base}model.json`, folder, name: manifest.name, files: files.size, bytes: total };
}
