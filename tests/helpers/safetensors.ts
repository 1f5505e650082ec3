/** Builds tiny safetensors files (valid, or broken in one chosen way) for parser and upload tests. */

/** A tensor to write: its bytes are zeros of the size its shape and dtype need. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
}

const SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I8: 1, U8: 1 };

/** The header object a valid file with these tensors has, tensors laid out in order. */
export function headerFor(tensors: TensorSpec[], metadata?: Record<string, string>): Record<string, unknown> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((n, d) => n * d, 1) * (SIZES[t.dtype] ?? 4);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return header;
}

/** A file from raw header bytes and a data buffer of `dataBytes` bytes (valid or not). */
export function fileFromHeader(headerBytes: Buffer, dataBytes: number, declaredLength = headerBytes.length): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(declaredLength));
  const data = Buffer.alloc(dataBytes, 7);
  return Buffer.concat([prefix, headerBytes, data]);
}

/** A file whose data buffer is exactly what `header` describes (by its largest end offset). */
export function fileFromObject(header: Record<string, unknown>, dataBytes?: number): Buffer {
  const ends = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([, v]) => (v as { data_offsets: number[] }).data_offsets[1] ?? 0);
  return fileFromHeader(Buffer.from(JSON.stringify(header)), dataBytes ?? Math.max(0, ...ends));
}

/** A small valid LoRA-like file: one down and one up projection. */
export function tinyLora(rank = 2): Buffer {
  return fileFromObject(
    headerFor(
      [
        { name: 'blocks.0.attn.lora_A.weight', dtype: 'F16', shape: [rank, 8] },
        { name: 'blocks.0.attn.lora_B.weight', dtype: 'F16', shape: [8, rank] },
      ],
      { format: 'pt' },
    ),
  );
}
