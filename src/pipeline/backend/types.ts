/**
 * The contract between the pipeline and an ONNX Runtime build. Only `ort-web.ts` and `ort-node.ts`
 * import a runtime; the pipeline sees plain tensors, sessions and placements.
 */
import type { DeviceRequest, GraphPlacement, ResolvedDevice } from '../../shared/protocol';

/** Element types the manifests use for graph inputs and outputs. */
export type TensorDType = 'float32' | 'float16' | 'int64' | 'int32';

/** The typed array that holds each element type (float16 as raw IEEE half bits). */
export interface TensorDataByType {
  float32: Float32Array;
  float16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
}

/** A tensor in host memory: what crosses between the pipeline and a backend. */
export interface HostTensor<T extends TensorDType = TensorDType> {
  dtype: T;
  data: TensorDataByType[T];
  dims: readonly number[];
}

/** Builds a host tensor, checking that the element count matches the dims. */
export function hostTensor<T extends TensorDType>(
  dtype: T,
  data: TensorDataByType[T],
  dims: readonly number[],
): HostTensor<T> {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count)
    throw new Error(`tensor data has ${data.length} elements but dims [${dims.join(', ')}] need ${count}`);
  return { dtype, data, dims };
}

/** Options for one session: one graph compiled for one device and one set of static shapes. */
export interface CreateSessionOptions {
  device: ResolvedDevice;
  /** Role of the graph (`denoiser`, …), used in placements and messages. */
  graphName: string;
  /**
   * Values for the graph's symbolic dimensions. With every dimension static, ONNX Runtime folds
   * shape-only subgraphs into constants, so no Shape/Gather/Concat node is left for the CPU.
   */
  freeDimensionOverrides?: Record<string, number>;
}

/** One ONNX graph ready to run. */
export interface GraphSession {
  readonly graphName: string;
  readonly device: ResolvedDevice;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph; returns the outputs in host memory. */
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  /**
   * Which execution provider each node was assigned to. Known after creation on onnxruntime-web and
   * after the first `run` on onnxruntime-node (see each backend for how it is learnt).
   */
  placement(): GraphPlacement | undefined;
  release(): Promise<void>;
}

/** An ONNX Runtime build (web or node) seen through the operations the pipeline needs. */
export interface OrtBackend {
  /** `onnxruntime-web` or `onnxruntime-node`. */
  readonly name: string;
  /**
   * Picks the device a request will run on, or throws `WebGpuUnavailableError`. `requiredFeatures` are
   * the WebGPU features a model variant needs (e.g. `shader-f16`).
   */
  resolveDevice(request: DeviceRequest, requiredFeatures?: readonly string[]): Promise<ResolvedDevice>;
  /** Compiles `model` (ONNX bytes) for a device. */
  createSession(model: Uint8Array, options: CreateSessionOptions): Promise<GraphSession>;
  /**
   * The largest tensor, in bytes, a graph should hold on `device`: the adapter's
   * `maxStorageBufferBindingSize` on WebGPU, a budget that bounds the heap elsewhere. Graphs that can
   * work in parts (the VAE decoder's bands of rows) stay under it.
   */
  maxTensorBytes(device: ResolvedDevice): Promise<number>;
}

/** The per-tensor budget off WebGPU: a WASM heap has 4 GiB in all, and a server plans its memory per job. */
export const HOST_TENSOR_BYTES = 64 * 1024 * 1024;

/** WebGPU's default `maxStorageBufferBindingSize` (128 MiB), for adapters that do not say. */
export const DEFAULT_BINDING_BYTES = 128 * 1024 * 1024;
