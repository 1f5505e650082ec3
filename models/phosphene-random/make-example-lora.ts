/**
 * `npx tsx models/phosphene-random/make-example-lora.ts <model dir> <out dir> [rank] [seed]`: writes a
 * SYNTHETIC LoRA pair (`high_noise.safetensors`, `low_noise.safetensors`) for a built package: random
 * low-rank factors for every layer its manifest adapts, in kohya layout (`<layer>.lora_down.weight`
 * [rank, in], `<layer>.lora_up.weight` [out, rank], `<layer>.alpha`). It shows the format and moves the
 * output; it was not trained (a trained example needs the GPU machine).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightRng } from './rng';

/** A tensor to write as F32. */
export interface NamedTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** Serialises F32 tensors as a safetensors file (header keys in the given order, 8-byte aligned). */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.dims, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // the format pads the header with spaces
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** The adapted layers as a manifest declares them. */
export interface AdaptedLayer {
  name: string;
  in_features: number;
  out_features: number;
}

/** Random factors for each layer (std ≈ `gain`/√in for down, `gain`/√rank for up), alpha = rank. */
export function syntheticLora(layers: AdaptedLayer[], rank: number, seed: number, gain = 1): Uint8Array {
  const rng = new WeightRng(seed);
  const tensors = layers.flatMap((l): NamedTensor[] => [
    {
      name: `${l.name}.lora_down.weight`,
      dims: [rank, l.in_features],
      data: rng.uniform(rank * l.in_features, gain / Math.sqrt(l.in_features)),
    },
    {
      name: `${l.name}.lora_up.weight`,
      dims: [l.out_features, rank],
      data: rng.uniform(l.out_features * rank, gain / Math.sqrt(rank)),
    },
    { name: `${l.name}.alpha`, dims: [], data: Float32Array.of(rank) },
  ]);
  return encodeSafetensors(tensors, { format: 'pt', phosphene: 'synthetic random LoRA, not trained' });
}

/** Reads the adapted layers of the package in `modelDir`. */
export async function adaptedLayers(modelDir: string): Promise<AdaptedLayer[]> {
  const manifest = JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')) as {
    graphs: { denoiser: { lora?: { layers: AdaptedLayer[] } } };
  };
  const layers = manifest.graphs.denoiser.lora?.layers;
  if (!layers) throw new Error(`${modelDir}/model.json declares no LoRA layers`);
  return layers;
}

async function main(): Promise<void> {
  const [modelDir, outDir, rank = '4', seed = '1'] = process.argv.slice(2);
  if (!modelDir || !outDir) throw new Error('usage: make-example-lora.ts <model dir> <out dir> [rank] [seed]');
  const layers = await adaptedLayers(modelDir);
  await mkdir(outDir, { recursive: true });
  for (const [i, part] of ['high_noise', 'low_noise'].entries()) {
    const bytes = syntheticLora(layers, Number(rank), Number(seed) * 2 + i);
    await writeFile(path.join(outDir, `${part}.safetensors`), bytes);
    console.log(`${part}.safetensors  ${bytes.byteLength} B  ${layers.length} layers, rank ${rank} (synthetic)`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
