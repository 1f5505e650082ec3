/**
 * A small ONNX graph builder on top of the `onnx-proto` protobuf schema: named values, initializers,
 * nodes with auto-generated names, and deterministic serialisation (same calls → same bytes).
 */
// onnx-proto is CommonJS with a runtime-assigned namespace, so named ESM imports do not resolve.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

/** Opset of every graph we build; LayerNormalization needs 17. */
export const OPSET = 17;
/** IR version 8 is what the onnx 1.12/1.13 releases wrote for opset 17. */
const IR_VERSION = 8;

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/** Element types used by our graphs. */
export type ElemType = 'float32' | 'int64';
const elemCode = (t: ElemType) => (t === 'float32' ? DataType.FLOAT : DataType.INT64);

/** A dimension: a fixed size or a symbolic `dim_param` name. */
export type Dim = number | string;

/** An attribute value; arrays of integers become INTS, of floats FLOATS (mark with `floats`). */
export type AttrValue = number | string | number[] | { floats: number[] } | { float: number };

const bytesOf = (view: Float32Array | BigInt64Array) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

function attribute(name: string, value: AttrValue): Onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function valueInfo(name: string, type: ElemType, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemCode(type),
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Builds one ONNX graph; values are referred to by name (string). */
export class GraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly constCache = new Map<string, string>();
  private readonly used = new Set<string>();
  private counter = 0;
  /** Number of float parameters stored as initializers (constants excluded). */
  parameterCount = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.used.has(name)) name = `${prefix}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, type: ElemType, dims: Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output: the node producing `value` is made to write `name` directly. */
  output(value: string, name: string, type: ElemType, dims: Dim[]): void {
    const producer = this.nodes.find((n) => n.output?.includes(value));
    if (!producer || this.used.has(name))
      throw new Error(`output ${name}: ${value} is not a node output, or the name is taken`);
    this.used.add(name);
    producer.output = producer.output!.map((o) => (o === value ? name : o));
    for (const node of this.nodes) node.input = node.input?.map((i) => (i === value ? name : i)) ?? [];
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A learned float tensor (counted as parameters). */
  weight(name: string, data: Float32Array, dims: number[]): string {
    const n = this.uniqueName(name);
    this.parameterCount += data.length;
    this.initializers.push({ name: n, dataType: DataType.FLOAT, dims, rawData: bytesOf(data) });
    return n;
  }

  /** A float constant (not a parameter); identical constants are shared. */
  constF(values: number[] | Float32Array, dims: number[] = [values.length]): string {
    const data = Float32Array.from(values);
    const key = `f:${dims.join('x')}:${Array.from(data).join(',')}`;
    return this.cached(key, () => ({ dataType: DataType.FLOAT, dims, rawData: bytesOf(data) }), 'const_f');
  }

  /** An int64 constant (shapes, axes, indices); `scalar` makes a rank-0 tensor. */
  constI(values: number[], scalar = false): string {
    const dims = scalar ? [] : [values.length];
    const key = `i:${scalar}:${values.join(',')}`;
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.cached(key, () => ({ dataType: DataType.INT64, dims, rawData: bytesOf(data) }), 'const_i');
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix = opType.toLowerCase()): string {
    return this.opN(opType, inputs, 1, attrs, prefix)[0]!;
  }

  /** Adds a node with `count` outputs. */
  opN(
    opType: string,
    inputs: string[],
    count: number,
    attrs: Record<string, AttrValue> = {},
    prefix = opType.toLowerCase(),
  ): string[] {
    const outputs = Array.from({ length: count }, () => this.fresh(prefix));
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      opType,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Serialises the graph as an ONNX model. */
  toBytes(docString: string): Uint8Array {
    const model: Onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'phosphene-models',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`invalid ONNX model ${this.name}: ${err}`);
    return onnx.ModelProto.encode(model).finish();
  }

  private uniqueName(name: string): string {
    let n = name;
    for (let k = 1; this.used.has(n); k++) n = `${name}.${k}`;
    this.used.add(n);
    return n;
  }

  private cached(key: string, make: () => Onnx.ITensorProto, prefix: string): string {
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh(prefix);
    this.initializers.push({ name, ...make() });
    this.constCache.set(key, name);
    return name;
  }
}
