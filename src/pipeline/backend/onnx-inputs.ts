/**
 * Reads the declared shapes of an ONNX model's graph inputs straight from its protobuf bytes, so the
 * pipeline can turn a job's concrete tensor shapes into free-dimension overrides before it creates a
 * session (ONNX Runtime only takes overrides at creation). Field numbers from onnx.proto:
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto
 */

/** One dimension: a fixed size, a symbolic name, or unknown. */
export type OnnxDim = number | string | null;

/** Graph input name → declared dims. */
export type OnnxInputShapes = Record<string, OnnxDim[]>;

const MODEL_GRAPH = 7;
const GRAPH_INPUT = 11;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;

/** Parses the input shapes of an ONNX model. Skips the (large) initializers without copying them. */
export function readOnnxInputShapes(model: Uint8Array): OnnxInputShapes {
  const shapes: OnnxInputShapes = {};
  const graph = fields(model).find((f) => f.field === MODEL_GRAPH)?.bytes;
  if (!graph) throw new Error('not an ONNX model: no graph');
  for (const input of fields(graph).filter((f) => f.field === GRAPH_INPUT)) {
    const info = fields(input.bytes!);
    const name = new TextDecoder().decode(info.find((f) => f.field === VALUE_INFO_NAME)?.bytes);
    const tensor = sub(sub(info.find((f) => f.field === VALUE_INFO_TYPE)?.bytes, TYPE_TENSOR), TENSOR_SHAPE);
    shapes[name] = tensor
      ? fields(tensor)
          .filter((f) => f.field === SHAPE_DIM)
          .map((d) => {
            const dim = fields(d.bytes!);
            const value = dim.find((f) => f.field === DIM_VALUE)?.varint;
            const param = dim.find((f) => f.field === DIM_PARAM)?.bytes;
            return value !== undefined ? value : param ? new TextDecoder().decode(param) : null;
          })
      : [];
  }
  return shapes;
}

/** Maps each symbolic dim of the model's inputs to the size it has in `feedDims`. */
export function freeDimensionOverridesFor(
  shapes: OnnxInputShapes,
  feedDims: Record<string, readonly number[]>,
): Record<string, number> {
  const overrides: Record<string, number> = {};
  for (const [input, dims] of Object.entries(shapes)) {
    const actual = feedDims[input];
    if (!actual) continue;
    dims.forEach((dim, i) => {
      if (typeof dim === 'string' && dim !== '' && actual[i] !== undefined) overrides[dim] = actual[i]!;
    });
  }
  return overrides;
}

interface Field {
  field: number;
  varint?: number;
  bytes?: Uint8Array;
}

function sub(bytes: Uint8Array | undefined, field: number): Uint8Array | undefined {
  return bytes ? fields(bytes).find((f) => f.field === field)?.bytes : undefined;
}

/** Splits one protobuf message into its top-level fields (wire types 0, 1, 2, 5). */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new Error('truncated ONNX protobuf');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ field, varint: varint() });
    else if (wire === 2) {
      const length = varint();
      out.push({ field, bytes: bytes.subarray(pos, pos + length) });
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}
