/**
 * Adds the weight-only quantized variants to the exported package (run after `export.py`): `q8` and
 * `q4` rewrite the text encoder's and the denoiser's linear layers as `MatMulNBits` (blocks of 32
 * along K, asymmetric); the VAE graphs are convolutions, which have no N-bit form in ONNX Runtime's
 * WebGPU provider, so both variants reuse the fp32 VAE files. Updates `model.json` (variants, files
 * with sizes and sha256, default variant q4). Usage: tsx add-variants.ts [package dir]
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quantizeOnnxBytes } from '../../tools/quantize-matmul-nbits';

const dir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
const manifestPath = path.join(dir, 'model.json');
const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
const fp32 = manifest.variants.fp32.files as Record<string, string>;
const files = new Map<string, { path: string; size: number; sha256: string }>(
  manifest.files.map((f: { path: string; size: number; sha256: string }) => [f.path, f]),
);

for (const bits of [8, 4] as const) {
  const variant = `q${bits}`;
  const out: Record<string, string> = { ...fp32 };
  for (const role of ['text_encoder', 'denoiser']) {
    const source = await readFile(path.join(dir, fp32[role]!));
    const note = `Linear weights quantized to ${bits}-bit MatMulNBits (block 32) by models/tools/quantize-matmul-nbits.ts.`;
    const { bytes, report } = quantizeOnnxBytes(source, { bits, blockSize: 32, note });
    const name = fp32[role]!.replace(/\.onnx$/, `.${variant}.onnx`);
    await writeFile(path.join(dir, name), bytes);
    files.set(name, { path: name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    out[role] = name;
    console.log(
      `${variant} ${role}: ${report.quantized.length} MatMuls quantized, ${report.skipped.length} left, ${source.length} → ${bytes.length} bytes`,
    );
  }
  manifest.variants[variant] = { files: out, requires: [] };
}
// q4 is the default: on the evaluator it reads the same as fp32 (model card), its download is 12.5 MB
// instead of 20.5 MB, and 4-bit MatMulNBits is the form checked on WebGPU and WASM in e2e.
manifest.default_variant = 'q4';
manifest.files = [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
