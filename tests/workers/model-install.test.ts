/**
 * "Download for offline use" refuses a package the browser's storage cannot hold before downloading it:
 * the manifest's sizes (the default variant's graphs and the tokenizer) against the storage estimate.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { StorageFullError } from '../../src/shared/errors';
import { checkRoom } from '../../src/workers/model-install';

const LABEL = 'http://127.0.0.1/models/phosphene-v1/';

describe('checkRoom', async () => {
  const manifest = new Uint8Array(await readFile('models/phosphene-v1/model.json'));
  const parsed = JSON.parse(new TextDecoder().decode(manifest)) as {
    files: { path: string; size: number }[];
    variants: Record<string, { files: Record<string, string> }>;
    default_variant: string;
    tokenizer: { file: string };
  };
  const paths = [...Object.values(parsed.variants[parsed.default_variant]!.files), parsed.tokenizer.file];
  const needed = parsed.files.filter((f) => paths.includes(f.path)).reduce((s, f) => s + f.size, 0) + manifest.length;
  const estimate = (quota: number, usage: number) => () => Promise.resolve({ quota, usage });

  it('lets a package through when the quota holds it, to the byte', async () => {
    await expect(checkRoom(LABEL, manifest, estimate(needed + 1000, 1000))).resolves.toBeUndefined();
    await expect(checkRoom(LABEL, manifest, () => undefined)).resolves.toBeUndefined(); // no estimate: try
  });

  it('refuses one byte short, naming what it needs and what is left', async () => {
    const refused = checkRoom(LABEL, manifest, estimate(needed + 999, 1000));
    await expect(refused).rejects.toBeInstanceOf(StorageFullError);
    await expect(refused).rejects.toThrow(
      `Not enough storage to keep ${LABEL} for offline use: it needs ${(needed / 1e6).toFixed(1)} MB, and this browser lets the app store ${((needed - 1) / 1e6).toFixed(1)} MB more.`,
    );
    expect(needed).toBeGreaterThan(18e6); // the q4 default variant (19.2 MB), not the fp32 files beside it
    expect(needed).toBeLessThan(20e6);
  });

  it('leaves a manifest it cannot read to the loader, which names the problem', async () => {
    // Only its own byte counts, so a nearly full quota does not hide the loader's clearer message.
    await expect(checkRoom(LABEL, new TextEncoder().encode('{'), estimate(10, 0))).resolves.toBeUndefined();
  });
});
