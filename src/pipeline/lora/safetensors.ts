/**
 * A pure TypeScript reader for safetensors buffers (https://huggingface.co/docs/safetensors): an
 * 8-byte little-endian header length, a JSON header of `{ name: { dtype, shape, data_offsets } }`,
 * then the data. Float tensors (F32, F16, BF16) come back as Float32Array; anything else is an error,
 * since LoRA factors are floats.
 */
import { LoraError } from '../../shared/errors';

/** One tensor, converted to float32. */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

const BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
type FloatDType = keyof typeof BYTES;
/** The header may not be larger than this (the format's own reference limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** Parses `bytes` into named float32 tensors; `label` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, label: string): Map<string, FloatTensor> {
  const fail = (why: string): never => {
    throw new LoraError(`${label} is not a usable safetensors file: ${why}.`);
  };
  if (bytes.byteLength < 8) fail(`it has ${bytes.byteLength} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.byteLength)
    fail(`the header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    fail('the header is not UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, FloatTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in BYTES))
      fail(`tensor ${name} has dtype ${String(dtype)}; LoRA factors must be F32, F16 or BF16`);
    const okInts = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
    if (!okInts(shape)) fail(`tensor ${name} has no valid shape`);
    if (!okInts(offsets) || offsets.length !== 2) fail(`tensor ${name} has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((n, d) => n * d, 1);
    if (end < begin || end > data.byteLength || end - begin !== count * BYTES[dtype as FloatDType])
      fail(`tensor ${name} (${dtype} ${JSON.stringify(shape)}) does not match its data_offsets [${begin}, ${end}]`);
    tensors.set(name, { dims: shape as number[], data: toFloat32(data.subarray(begin, end), dtype as FloatDType) });
  }
  return tensors;
}

/** Converts little-endian F32/F16/BF16 bytes to float32 (copying: the input may be unaligned). */
function toFloat32(raw: Uint8Array, dtype: FloatDType): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(raw.byteLength / BYTES[dtype]);
  if (dtype === 'F32') for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  else {
    // bfloat16 is the upper half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

/** IEEE 754 half bits → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
