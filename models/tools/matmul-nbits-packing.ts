/**
 * Block-wise weight quantization in the layout of ONNX Runtime's `com.microsoft.MatMulNBits`
 * (docs/ContribOperators.md, MatMulNBits): the [K, N] weight is quantized per output column n in
 * blocks of `blockSize` consecutive k, each block with its own scale and zero point;
 * `dequantized = (q − zero_point) · scale`.
 *
 * - `packed` B: uint8 [N, kBlocks, blockSize·bits/8]. For 4 bits the first value of a pair goes in the
 *   low nibble, the second in the high nibble. K is zero-padded up to a whole block (the padding is
 *   never read: the kernel stops at K).
 * - `scales`: float32 [N, kBlocks] (row n, block b at n·kBlocks + b).
 * - `zeroPoints` (asymmetric only): uint8, packed like B: [N, ceil(kBlocks·bits/8)]; symmetric
 *   quantization omits it and the kernel uses the default zero point 2^(bits−1).
 */

/** Bit widths we emit: 4 (two values a byte) or 8 (one value a byte). */
export type NBits = 4 | 8;

/** Options of `quantizeBlockwise`. */
export interface BlockwiseOptions {
  bits: NBits;
  /** A power of two ≥ 16 (the op's constraint). */
  blockSize: number;
  /** Symmetric around the default zero point (no zero-point tensor) instead of min/max asymmetric. */
  symmetric: boolean;
}

/** A quantized [K, N] weight in MatMulNBits layout. */
export interface BlockwiseWeight {
  K: number;
  N: number;
  bits: NBits;
  blockSize: number;
  kBlocks: number;
  packed: Uint8Array;
  scales: Float32Array;
  zeroPoints?: Uint8Array;
}

/** Throws unless `blockSize` is a power of two ≥ 16. */
export function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)
    throw new Error(`block_size must be a power of two ≥ 16, got ${blockSize}`);
}

/** Quantizes a row-major [K, N] float32 weight (the MatMul B layout) block-wise along K. */
export function quantizeBlockwise(weight: Float32Array, K: number, N: number, o: BlockwiseOptions): BlockwiseWeight {
  checkBlockSize(o.blockSize);
  if (weight.length !== K * N) throw new Error(`weight has ${weight.length} values, not K·N = ${K * N}`);
  const { bits, blockSize } = o;
  const qmax = (1 << bits) - 1;
  const mid = 1 << (bits - 1);
  const kBlocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const packed = new Uint8Array(N * kBlocks * blob);
  const scales = new Float32Array(N * kBlocks);
  const zeroPoints = o.symmetric ? undefined : new Uint8Array(N * zpRow);
  const q = new Uint8Array(blockSize);

  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(K, k0 + blockSize);
      let scale: number;
      let zp: number;
      if (o.symmetric) {
        // ONNX Runtime's convention: the value of largest magnitude maps exactly to q = 0 (−2^(bits−1)).
        let extreme = 0;
        for (let k = k0; k < k1; k++)
          if (Math.abs(weight[k * N + n]!) > Math.abs(extreme)) extreme = weight[k * N + n]!;
        scale = Math.fround(extreme / -mid);
        zp = mid;
      } else {
        // The range includes 0 so that 0 (padding, dead weights) is represented exactly.
        let lo = 0;
        let hi = 0;
        for (let k = k0; k < k1; k++) {
          lo = Math.min(lo, weight[k * N + n]!);
          hi = Math.max(hi, weight[k * N + n]!);
        }
        scale = Math.fround((hi - lo) / qmax);
        zp = scale === 0 ? 0 : Math.min(qmax, Math.max(0, Math.round(-lo / scale)));
      }
      q.fill(zp);
      if (scale !== 0) {
        for (let k = k0; k < k1; k++)
          q[k - k0] = Math.min(qmax, Math.max(0, Math.round(weight[k * N + n]! / scale) + zp));
      }
      scales[n * kBlocks + b] = scale;
      writePacked(packed, (n * kBlocks + b) * blob, q, bits);
      if (zeroPoints) writeValue(zeroPoints, n * zpRow, b, zp, bits);
    }
  }
  return { K, N, bits, blockSize, kBlocks, packed, scales, ...(zeroPoints ? { zeroPoints } : {}) };
}

/** Dequantizes back to a row-major [K, N] float32 weight (the reference the tests compare with). */
export function dequantizeBlockwise(w: BlockwiseWeight): Float32Array {
  const { K, N, bits, blockSize, kBlocks } = w;
  const blob = (blockSize * bits) / 8;
  const zpRow = Math.ceil((kBlocks * bits) / 8);
  const out = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      const scale = w.scales[n * kBlocks + b]!;
      const zp = w.zeroPoints ? readValue(w.zeroPoints, n * zpRow, b, bits) : 1 << (bits - 1);
      for (let k = b * blockSize; k < Math.min(K, (b + 1) * blockSize); k++) {
        const q = readValue(w.packed, (n * kBlocks + b) * blob, k - b * blockSize, bits);
        out[k * N + n] = Math.fround((q - zp) * scale);
      }
    }
  }
  return out;
}

function writePacked(dst: Uint8Array, offset: number, values: Uint8Array, bits: NBits): void {
  for (let i = 0; i < values.length; i++) writeValue(dst, offset, i, values[i]!, bits);
}

function writeValue(dst: Uint8Array, offset: number, index: number, value: number, bits: NBits): void {
  if (bits === 8) dst[offset + index] = value;
  else {
    const at = offset + (index >> 1);
    dst[at] = dst[at]! | ((index & 1) === 0 ? value : value << 4); // low nibble first
  }
}

function readValue(src: Uint8Array, offset: number, index: number, bits: NBits): number {
  if (bits === 8) return src[offset + index]!;
  const byte = src[offset + (index >> 1)]!;
  return (index & 1) === 0 ? byte & 0x0f : byte >> 4;
}
