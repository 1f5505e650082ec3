/** The MatMulNBits pass: packing round trip, the rewritten graph, and ONNX Runtime running it close to fp32. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { dequantizeBlockwise, quantizeBlockwise } from '../../models/tools/matmul-nbits-packing';
import { MS_DOMAIN, quantizeOnnxBytes } from '../../models/tools/quantize-matmul-nbits';
import { WeightRng } from '../../models/phosphene-random/rng';

const { onnx } = onnxProto;
const TINY = path.resolve(import.meta.dirname, '../fixtures/models/phosphene-tiny');

/**
 * Relative L2 error of the quantized graphs' outputs against fp32 on the tiny fixture's random
 * weights, measured: 4-bit 0.065 (text encoder), 0.095 (denoiser); 8-bit 0.003, 0.006. Uniform random
 * weights fill each block's range evenly, the worst case for min/max quantization (trained weights
 * cluster near 0). The bounds leave ~1.5× room.
 */
const TOLERANCE = { 4: 0.15, 8: 0.01 } as const;

function randomWeights(n: number, seed: number): Float32Array {
  return new WeightRng(seed).uniform(n, 0.2);
}

describe('quantizeBlockwise', () => {
  it.each([
    { bits: 4, symmetric: false },
    { bits: 4, symmetric: true },
    { bits: 8, symmetric: false },
    { bits: 8, symmetric: true },
  ] as const)('round-trips $bits-bit (symmetric: $symmetric) within one step, K padded to a block', (o) => {
    const [K, N, blockSize] = [80, 7, 32]; // 80 = 2.5 blocks: the last block is padded
    const w = randomWeights(K * N, 5);
    const q = quantizeBlockwise(w, K, N, { ...o, blockSize });
    expect(q.kBlocks).toBe(3);
    expect(q.packed.length).toBe(N * 3 * ((blockSize * o.bits) / 8));
    expect(q.scales.length).toBe(N * 3);
    expect(q.zeroPoints?.length).toBe(o.symmetric ? undefined : N * (o.bits === 4 ? 2 : 3));
    const back = dequantizeBlockwise(q);
    let sumErr = 0;
    for (let k = 0; k < K; k++) {
      for (let n = 0; n < N; n++) {
        const step = Math.abs(q.scales[n * q.kBlocks + Math.floor(k / blockSize)]!);
        const err = Math.abs(back[k * N + n]! - w[k * N + n]!);
        expect(err).toBeLessThanOrEqual(step * 1.0001);
        sumErr += err / step;
      }
    }
    // Rounding, not clamping, dominates: the mean error is about a quarter step.
    expect(sumErr / (K * N)).toBeLessThan(0.3);
  });

  it('packs the first value of a pair in the low nibble, rows of B along N, zero points likewise', () => {
    // Column 0 holds 0, 1, 2, …, 31 (scale 31/15 ⇒ q = round(k·15/31)); column 1 is all zero.
    const K = 32;
    const w = new Float32Array(K * 2);
    for (let k = 0; k < K; k++) w[k * 2] = k;
    const q = quantizeBlockwise(w, K, 2, { bits: 4, blockSize: 32, symmetric: false });
    const qs = Array.from({ length: K }, (_, k) => Math.round((k * 15) / 31));
    expect(Array.from(q.packed.subarray(0, 16))).toEqual(
      Array.from({ length: 16 }, (_, j) => qs[2 * j]! | (qs[2 * j + 1]! << 4)),
    );
    expect(Array.from(q.packed.subarray(16))).toEqual(new Array(16).fill(0));
    expect(q.scales[0]).toBeCloseTo(31 / 15, 6);
    expect(Array.from(q.zeroPoints!)).toEqual([0, 0]);
  });

  it('refuses a block size the op does not allow', () => {
    expect(() => quantizeBlockwise(new Float32Array(48), 48, 1, { bits: 4, blockSize: 24, symmetric: false })).toThrow(
      /power of two ≥ 16/,
    );
  });
});

describe.each(['text_encoder', 'denoiser'])('quantizeOnnxBytes on the tiny %s', (graph) => {
  const load = () => readFile(path.join(TINY, `${graph}.onnx`));

  it('replaces every MatMul with a constant weight, keeps Gather/Conv/attention MatMuls, same bytes twice', async () => {
    const fp32 = await load();
    const { bytes, report } = quantizeOnnxBytes(fp32);
    expect(quantizeOnnxBytes(fp32).bytes).toEqual(bytes);
    const before = onnx.ModelProto.decode(fp32).graph!;
    const after = onnx.ModelProto.decode(bytes);
    const weights = new Set(before.initializer!.map((t) => t.name));
    const constMatMuls = before.node!.filter((n) => n.opType === 'MatMul' && weights.has(n.input![1]!));
    expect(report.quantized.length).toBe(constMatMuls.length);
    expect(report.quantized.length).toBeGreaterThan(0);
    expect(report.skipped).toEqual([]);
    const ops = (g: typeof before) => g.node!.map((n) => n.opType);
    expect(ops(after.graph!).filter((o) => o === 'MatMulNBits').length).toBe(constMatMuls.length);
    for (const op of ['Gather', 'Conv'])
      expect(ops(after.graph!).filter((o) => o === op)).toEqual(ops(before).filter((o) => o === op));
    expect(after.opsetImport).toContainEqual(expect.objectContaining({ domain: MS_DOMAIN }));
    const left = new Set(after.graph!.initializer!.map((t) => t.name));
    for (const q of report.quantized) expect(left.has(q.weight), q.weight).toBe(false);
  });

  it.each([4, 8] as const)('runs on onnxruntime-node at %i bits close to fp32', async (bits) => {
    const fp32 = await load();
    const { bytes } = quantizeOnnxBytes(fp32, { bits });
    const [ref, quant] = await Promise.all([ort.InferenceSession.create(fp32), ort.InferenceSession.create(bytes)]);
    const feeds = feedsFor(ref);
    const [a, b] = [await ref.run(feeds), await quant.run(feeds)];
    const name = ref.outputNames[0]!;
    const err = relativeL2(a[name]!.data as Float32Array, b[name]!.data as Float32Array);
    console.log(`${graph} ${bits}-bit relative L2 error ${err.toFixed(4)}`);
    expect(err).toBeGreaterThan(0); // it did change the weights
    expect(err).toBeLessThan(TOLERANCE[bits]);
    await Promise.all([ref.release(), quant.release()]);
  });
});

function feedsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const rng = new WeightRng(11);
  const rnd = () => rng.next();
  const dims: Record<string, number> = { batch: 1, seq: 8, latent_frames: 2, latent_height: 4, latent_width: 4 };
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    const shape = meta.shape.map((d) => (typeof d === 'number' ? d : (dims[d] ?? 4)));
    const size = shape.reduce((x, y) => x * y, 1);
    if (meta.type === 'int64') {
      feeds[meta.name] = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: size }, (_, i) => BigInt(4 + (i % 20))),
        shape,
      );
    } else {
      // LoRA factor inputs are zero (no adapter); the timestep is a mid-schedule σ·1000.
      const fill = meta.name === 'timestep' ? () => 500 : meta.name.startsWith('lora') ? () => 0 : () => rnd() * 2 - 1;
      feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: size }, fill), shape);
    }
  }
  return feeds;
}

function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
