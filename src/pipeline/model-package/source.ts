/**
 * Where a model package's bytes come from. The loader only knows this interface, so the same
 * loading and verification code runs over HTTP in the browser and over the file system in Node.
 */
import { ModelPackageError } from '../../shared/errors';

/** Options for reading one file of a package. */
export interface ReadOptions {
  /** Called as bytes arrive; `totalBytes` is 0 when the size is not known yet. */
  onProgress?(loadedBytes: number, totalBytes: number): void;
  signal?: AbortSignal;
}

/** A read-only view of one model package's files, addressed by manifest-relative paths. */
export interface PackageSource {
  /** Where the package lives, for error messages (a URL or a folder). */
  readonly label: string;
  read(path: string, opts?: ReadOptions): Promise<Uint8Array>;
}

/** A package served over HTTP; `baseUrl` is the package folder or its `model.json`. */
export function httpPackageSource(baseUrl: string | URL): PackageSource {
  // A URL ending in model.json names the folder that holds it; a folder URL needs its trailing slash
  // or `new URL(path, base)` would replace its last segment.
  const href = String(baseUrl).replace(/model\.json([?#].*)?$/, '');
  const base = new URL(href.endsWith('/') ? href : `${href}/`, globalThis.location?.href);
  return {
    label: base.href,
    async read(path, opts = {}) {
      const url = new URL(path, base);
      const response = await fetch(url, { signal: opts.signal ?? null });
      if (!response.ok) {
        throw new ModelPackageError(
          `Cannot download ${url.href}: HTTP ${response.status}. Check that the model package is served there.`,
        );
      }
      const total = Number(response.headers.get('content-length') ?? 0);
      if (!response.body) return new Uint8Array(await response.arrayBuffer());
      return readStream(response.body, total, opts.onProgress);
    },
  };
}

/** Reads a byte stream to the end, reporting progress per chunk (fetch alone gives no progress). */
async function readStream(
  body: ReadableStream<Uint8Array>,
  total: number,
  onProgress: ReadOptions['onProgress'],
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress?.(loaded, Math.max(total, loaded));
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined); // a refused read (abort, a size cap) stops the download too
    throw error;
  }
  // One copy into a buffer of the final size: content-length may be absent or compressed.
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  onProgress?.(loaded, loaded);
  return bytes;
}
