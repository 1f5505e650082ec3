/** Conversions between the pipeline's host tensors and ONNX Runtime tensors (shared by both backends). */
import type { Tensor } from 'onnxruntime-common';
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
