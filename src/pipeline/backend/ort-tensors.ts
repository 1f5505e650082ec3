/** Conversions between the pipeline's host tensors and ONNX Runtime tensors (shared by both backends). */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { HostTensor, TensorDType } from './types';

type TensorConstructor = new (type: TensorDType, data: HostTensor['data'], dims: readonly number[]) => Tensor;

const DTYPES: readonly string[] = ['float32', 'float16', 'int64', 'int32'] satisfies TensorDType[];

/** Wraps a host tensor for `session.run` without copying its data. */
export function toOrtTensor(Ctor: unknown, tensor: HostTensor): Tensor {
  // Each runtime package re-exports its own `Tensor` class; the constructor signature is the same.
  return new (Ctor as TensorConstructor)(tensor.dtype, tensor.data, tensor.dims);
}

/** Reads an output tensor into host memory (downloading it first when it lives on the GPU). */
export async function fromOrtTensor(tensor: Tensor): Promise<HostTensor> {
  if (!DTYPES.includes(tensor.type)) throw new Error(`graph output of type ${tensor.type} is not supported`);
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
  return { dtype: tensor.type as TensorDType, data: data as HostTensor['data'], dims: tensor.dims };
}

/** Runs a session on host tensors and reads every output back to host memory. */
export async function runOnHostTensors(
  session: InferenceSession,
  TensorCtor: unknown,
  feeds: Record<string, HostTensor>,
): Promise<Record<string, HostTensor>> {
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, toOrtTensor(TensorCtor, t)]));
  const results = await session.run(ortFeeds);
  const out: Record<string, HostTensor> = {};
  for (const [name, tensor] of Object.entries(results)) out[name] = await fromOrtTensor(tensor);
  return out;
}
