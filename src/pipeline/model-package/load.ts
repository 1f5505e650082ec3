/**
 * Loads a model package: its manifest, tokenizer and one variant's graphs, each verified against the
 * size and sha256 the manifest declares. Nothing unverified reaches ONNX Runtime.
 */
import { DigestMismatchError, ModelPackageError } from '../../shared/errors';
import { sha256Hex } from './digest';
import { parseManifest, type ModelManifest } from './manifest';
import type { PackageSource } from './source';

/** The graphs a pipeline runs, by role. */
export type GraphRole = 'text_encoder' | 'denoiser' | 'vae_decoder_trunk' | 'vae_decoder' | 'vae_encoder';

/** A loaded, verified package: the manifest, the chosen variant and the bytes of its files. */
export interface ModelPackage {
  manifest: ModelManifest;
  variant: string;
  /** Parsed `tokenizer.json` (validated later by the tokenizer). */
  tokenizerJson: unknown;
  /** ONNX bytes per graph role present in the variant. */
  graphs: Partial<Record<GraphRole, Uint8Array>>;
  /** Where the package came from, for messages. */
  label: string;
}

/** A progress event of the loader; the same shape as the protocol's `load` event. */
export interface LoadProgress {
  type: 'load';
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/** Options of `loadModelPackage`. */
export interface LoadOptions {
  /** Variant name; the manifest's `default_variant` when absent. */
  variant?: string;
  onProgress?(event: LoadProgress): void;
  signal?: AbortSignal;
}

/** Reads and verifies a model package from `source`. */
export async function loadModelPackage(source: PackageSource, options: LoadOptions = {}): Promise<ModelPackage> {
  const { signal, onProgress } = options;
  const manifestBytes = await source.read('model.json', { signal });
  const manifest = parseManifest(parseJson(manifestBytes, `${source.label} model.json`), `${source.label} model.json`);

  const variant = options.variant ?? manifest.default_variant;
  const spec = manifest.variants[variant];
  if (!spec) {
    throw new ModelPackageError(
      `${source.label} has no variant "${variant}"; it has ${Object.keys(manifest.variants).join(', ')}.`,
    );
  }

  const readVerified = async (path: string): Promise<Uint8Array> => {
    const entry = manifest.files.find((f) => f.path === path);
    if (!entry) throw new ModelPackageError(`${source.label} model.json does not list ${path}.`);
    const bytes = await source.read(path, {
      signal,
      onProgress: (loadedBytes, totalBytes) =>
        onProgress?.({ type: 'load', file: path, loadedBytes, totalBytes: totalBytes || entry.size }),
    });
    await verifyFile(source.label, path, bytes, entry);
    return bytes;
  };

  const tokenizerJson = parseJson(await readVerified(manifest.tokenizer.file), manifest.tokenizer.file);
  const graphs: ModelPackage['graphs'] = {};
  for (const [role, path] of Object.entries(spec.files) as [GraphRole, string | undefined][]) {
    if (path) graphs[role] = await readVerified(path);
  }
  return { manifest, variant, tokenizerJson, graphs, label: source.label };
}

/** Throws unless `bytes` has the size and sha256 the manifest lists for `path`. */
export async function verifyFile(
  label: string,
  path: string,
  bytes: Uint8Array,
  entry: { size: number; sha256: string },
): Promise<void> {
  const fix = 'Download the package again, or rebuild it with `npm run models:build`.';
  if (bytes.byteLength !== entry.size) {
    throw new DigestMismatchError(
      `${label} ${path} is ${bytes.byteLength} bytes but model.json says ${entry.size}. ${fix}`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new DigestMismatchError(
      `${label} ${path} has sha256 ${actual} but model.json expects ${entry.sha256}. ${fix}`,
    );
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelPackageError(`${what} is not valid JSON: ${(error as Error).message}.`);
  }
}
