/**
 * Weight-only quantization pass for any opset-17 ONNX model (ours, or a PyTorch export): every
 * `MatMul` whose B input is a constant 2-D float32 initializer [K, N] becomes a
 * `com.microsoft.MatMulNBits` node (4- or 8-bit, block-wise along K). It is ONNX Runtime's weight-only
 * format, which the CPU, WASM and WebGPU providers all implement (shared/NOTES.md).
 *
 * Left in float32, on purpose:
 * - `Gather` (embeddings): MatMulNBits has no gather form; an embedding is one row read per token.
 * - `Conv` (patchify, VAE): no N-bit conv in ONNX Runtime's WebGPU provider.
 * - `Gemm`: PyTorch exports 2-D `nn.Linear` calls as Gemm (often `transB=1`, with a fused bias). Our
 *   graphs have none; rewriting it needs the transpose and bias folded in, so it is reported as skipped.
 * - MatMuls whose B is computed (attention scores, LoRA down/up inputs).
 * A bias `Add` after the MatMul stays a separate node. The output is deterministic: the same model
 * and options give the same bytes.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { checkBlockSize, quantizeBlockwise, type BlockwiseOptions, type NBits } from './matmul-nbits-packing';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** ONNX Runtime's contrib-op domain. */
export const MS_DOMAIN = 'com.microsoft';

/** Options of the pass; defaults: 4 bits, blocks of 32, asymmetric (with zero points). */
export interface QuantizeOptions extends Partial<BlockwiseOptions> {
  /** Text appended to the model's doc string. */
  note?: string;
}

/** What the pass did, per node. */
export interface QuantizeReport {
  quantized: { node: string; weight: string; K: number; N: number }[];
  skipped: { node: string; reason: string }[];
}

/** Quantizes an ONNX model given as bytes; returns the new bytes and a report. */
export function quantizeOnnxBytes(
  bytes: Uint8Array,
  options: QuantizeOptions = {},
): { bytes: Uint8Array; report: QuantizeReport } {
  const model = onnx.ModelProto.decode(bytes);
  const report = quantizeModel(model, options);
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`quantized model is invalid: ${err}`);
  return { bytes: onnx.ModelProto.encode(model).finish(), report };
}

/** Rewrites `model` in place (see the module comment) and reports what changed. */
export function quantizeModel(model: Onnx.IModelProto, options: QuantizeOptions = {}): QuantizeReport {
  const o: BlockwiseOptions = {
    bits: options.bits ?? 4,
    blockSize: options.blockSize ?? 32,
    symmetric: options.symmetric ?? false,
  };
  checkBlockSize(o.blockSize);
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const report: QuantizeReport = { quantized: [], skipped: [] };
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  // A graph input shadowing an initializer may be fed at run time, so it is not a constant.
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name));
  const taken = new Set([...initializers.keys(), ...(graph.node ?? []).flatMap((n) => n.output ?? [])]);
  const added = new Map<string, Onnx.ITensorProto[]>(); // by fp32 weight name: its quantized tensors

  graph.node = (graph.node ?? []).map((node, index) => {
    const name = node.name || `${node.opType}_${index}`;
    if (node.opType === 'Gemm' && !node.domain) report.skipped.push({ node: name, reason: 'Gemm is left in float32' });
    if (node.opType !== 'MatMul' || node.domain) return node;
    const [a, b] = node.input ?? [];
    const w = b && !graphInputs.has(b) ? initializers.get(b) : undefined;
    if (!a || !b || !w) return node;
    const dims = (w.dims ?? []).map(Number);
    if (w.dataType !== DataType.FLOAT || dims.length !== 2) {
      report.skipped.push({ node: name, reason: `${b} is not a 2-D float32 initializer` });
      return node;
    }
    const [K, N] = dims as [number, number];
    let tensors = added.get(b);
    if (!tensors) {
      tensors = quantizedTensors(b, floatData(w), K, N, o, taken);
      added.set(b, tensors);
    }
    report.quantized.push({ node: name, weight: b, K, N });
    return {
      name: node.name,
      opType: 'MatMulNBits',
      domain: MS_DOMAIN,
      input: [a, ...tensors.map((t) => t.name ?? '')],
      output: node.output,
      attribute: [
        { name: 'K', type: AttributeType.INT, i: K },
        { name: 'N', type: AttributeType.INT, i: N },
        { name: 'bits', type: AttributeType.INT, i: o.bits },
        { name: 'block_size', type: AttributeType.INT, i: o.blockSize },
      ],
    };
  });

  // fp32 weights nothing reads any more are dropped; quantized tensors take their place in the list.
  const read = new Set(graph.node.flatMap((n) => n.input ?? []));
  graph.initializer = (graph.initializer ?? []).flatMap((t) => [
    ...(read.has(t.name ?? '') || graphInputs.has(t.name ?? '') ? [t] : []),
    ...(added.get(t.name ?? '') ?? []),
  ]);
  if (report.quantized.length > 0 && !(model.opsetImport ?? []).some((i) => i.domain === MS_DOMAIN))
    model.opsetImport = [...(model.opsetImport ?? []), { domain: MS_DOMAIN, version: 1 }];
  if (options.note) model.docString = `${model.docString ?? ''}${model.docString ? ' ' : ''}${options.note}`;
  return report;
}

function quantizedTensors(
  weight: string,
  data: Float32Array,
  K: number,
  N: number,
  o: BlockwiseOptions,
  taken: Set<string>,
): Onnx.ITensorProto[] {
  const q = quantizeBlockwise(data, K, N, o);
  const unique = (suffix: string) => {
    let n = `${weight}.${suffix}`;
    for (let k = 1; taken.has(n); k++) n = `${weight}.${suffix}.${k}`;
    taken.add(n);
    return n;
  };
  const blob = (o.blockSize * o.bits) / 8;
  const tensors: Onnx.ITensorProto[] = [
    { name: unique(`q${o.bits}`), dataType: DataType.UINT8, dims: [N, q.kBlocks, blob], rawData: q.packed },
    { name: unique('scales'), dataType: DataType.FLOAT, dims: [N, q.kBlocks], rawData: bytesOf(q.scales) },
  ];
  if (q.zeroPoints) {
    const row = q.zeroPoints.length / N;
    tensors.push({ name: unique('zero_points'), dataType: DataType.UINT8, dims: [N, row], rawData: q.zeroPoints });
  }
  return tensors;
}

/** The float32 values of an initializer (raw little-endian bytes or `float_data`). */
export function floatData(t: Onnx.ITensorProto): Float32Array {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
    throw new Error(`${t.name}: external data is not supported; load the model with its weights inlined`);
  if (t.rawData && t.rawData.byteLength > 0) {
    // Copy (Uint8Array.from, not Buffer#slice, which is a view): a decoded rawData view may start at
    // an offset that is not 4-byte aligned.
    const copy = Uint8Array.from(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

function bytesOf(view: Float32Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Bit widths the pass emits. */
export type { NBits };
