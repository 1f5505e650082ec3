/**
 * A model package's version as clips record it (`model_version` in an MP4's recipe): a fingerprint of the
 * variant's graph files and the sampler's settings. Pure: the page's catalog, the worker, the server and the
 * CLI compute it alike.
 */

/** What `packageVersion` reads of a manifest (the page's catalog keeps the same parts). */
export interface VersionedPackage {
  files: readonly { path: string; sha256?: string | undefined }[];
  variants: Record<string, { files: Record<string, string> }>;
  scheduler: object;
  tokenizer?: { file: string } | undefined;
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits: a fingerprint, not a security hash. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

/**
 * Which model made a clip: 12 hex digits fingerprinting every graph file of the variant and the tokenizer
 * (each file's sha256, the manifest's own record) and the sampler's settings (`scheduler`: a changed schedule
 * or guidance interval makes other clips from the same weights). A package retrained in any part, or sampled
 * otherwise, reads as another version, so a re-run can say that it will not make the same bytes. `undefined`
 * for an unknown variant or a file the manifest does not list with a sha256.
 */
export function packageVersion(m: VersionedPackage, variant: string): string | undefined {
  const roles = m.variants[variant]?.files;
  if (!roles) return undefined;
  const parts: string[] = [];
  for (const role of Object.keys(roles).sort()) {
    const sha = m.files.find((f) => f.path === roles[role])?.sha256;
    if (!sha) return undefined;
    parts.push(`${role}=${sha}`);
  }
  const tokenizer = m.tokenizer && m.files.find((f) => f.path === m.tokenizer!.file)?.sha256;
  if (tokenizer) parts.push(`tokenizer=${tokenizer}`);
  const scheduler = Object.entries(m.scheduler).sort(([a], [b]) => (a < b ? -1 : 1));
  return fnv1a64(`${parts.join(';')}|${JSON.stringify(scheduler)}`).slice(0, 12);
}
