import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/pipeline/model-package/manifest';
import { packageVersion } from '../../src/pipeline/package-version';

const manifest = parseManifest(JSON.parse(readFileSync('models/phosphene-v1/model.json', 'utf8')));
const variant = manifest.default_variant;
/** The manifest with one file's recorded sha256 changed (a retrained graph). */
const withFile = (path: string) => ({
  ...manifest,
  files: manifest.files.map((f) => (f.path === path ? { ...f, sha256: 'f'.repeat(64) } : f)),
});

describe('packageVersion', () => {
  const version = packageVersion(manifest, variant)!;

  it('is 12 hex digits, the same for the same package', () => {
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    expect(packageVersion(structuredClone(manifest), variant)).toBe(version);
  });

  it('changes with any graph of the variant, the tokenizer, or the sampler settings', () => {
    for (const path of Object.values(manifest.variants[variant]!.files))
      expect(packageVersion(withFile(path), variant), path).not.toBe(version);
    expect(packageVersion(withFile(manifest.tokenizer.file), variant)).not.toBe(version);
    const scheduler = { ...manifest.scheduler, guidance_max_sigma: 0.5 };
    expect(packageVersion({ ...manifest, scheduler }, variant)).not.toBe(version);
  });

  it('reads the sampler settings whatever their key order, and ignores files of other variants', () => {
    const reordered = Object.fromEntries(Object.entries(manifest.scheduler).reverse());
    expect(packageVersion({ ...manifest, scheduler: reordered }, variant)).toBe(version);
    const other = manifest.variants.fp32!.files.denoiser!;
    expect(variant).not.toBe('fp32');
    expect(packageVersion(withFile(other), variant)).toBe(version);
  });

  it('is undefined for an unknown variant or a file listed without its sha256', () => {
    expect(packageVersion(manifest, 'q3')).toBeUndefined();
    const denoiser = manifest.variants[variant]!.files.denoiser!;
    const files = manifest.files.filter((f) => f.path !== denoiser);
    expect(packageVersion({ ...manifest, files }, variant)).toBeUndefined();
  });
});
