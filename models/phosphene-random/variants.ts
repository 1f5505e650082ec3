/**
 * The package's variants besides fp32. `q4`: the text encoder's and denoiser's linear layers as 4-bit
 * `MatMulNBits` (blocks of 32 along K, asymmetric), every node of which runs on ONNX Runtime's CPU,
 * WASM and WebGPU providers. The VAE graphs are convolutions, which have no N-bit form there, so q4
 * reuses the fp32 VAE files. No fp16 variant yet: it needs `shader-f16`, which CI's SwiftShader lacks,
 * so it could not be tested here.
 */
import { quantizeOnnxBytes } from '../tools/quantize-matmul-nbits';

/** Files of the q4 variant that differ from fp32. */
export const Q4_FILES = { text_encoder: 'text_encoder.q4.onnx', denoiser: 'denoiser.q4.onnx' } as const;

/** The q4 graphs quantized from the fp32 bytes, as `[path, bytes]`. */
export function q4Graphs(fp32: { text_encoder: Uint8Array; denoiser: Uint8Array }): [string, Uint8Array][] {
  const note = 'Linear weights quantized to 4-bit MatMulNBits (block 32) by models/tools/quantize-matmul-nbits.ts.';
  return (Object.keys(Q4_FILES) as (keyof typeof Q4_FILES)[]).map((role) => [
    Q4_FILES[role],
    quantizeOnnxBytes(fp32[role], { bits: 4, blockSize: 32, note }).bytes,
  ]);
}
