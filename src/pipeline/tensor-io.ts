/**
 * Builds graph inputs and reads graph outputs in the dtype the manifest declares, so the pipeline does
 * its maths in float32 whatever a variant's tensors are (float16 variants exchange IEEE half bits).
 */
import { hostTensor, type HostTensor, type TensorDType } from './backend/types';

/** A float input of the declared dtype. */
export function floatInput(dtype: TensorDType, data: Float32Array, dims: readonly number[]): HostTensor {
  if (dtype === 'float32') return hostTensor('float32', data, dims);
  if (dtype === 'float16') return hostTensor('float16', toHalf(data), dims);
  throw new Error(`a float tensor cannot be declared ${dtype}`);
}

/** An integer input (token ids) of the declared dtype. */
export function intInput(dtype: TensorDType, values: readonly number[], dims: readonly number[]): HostTensor {
  if (dtype === 'int64') return hostTensor('int64', BigInt64Array.from(values, BigInt), dims);
  if (dtype === 'int32') return hostTensor('int32', Int32Array.from(values), dims);
  throw new Error(`an integer tensor cannot be declared ${dtype}`);
}

/** Reads a float output as float32. */
export function readFloat(
  tensor: HostTensor | undefined,
  what: string,
): { data: Float32Array; dims: readonly number[] } {
  if (!tensor) throw new Error(`the graph returned no ${what}`);
  if (tensor.dtype === 'float32') return { data: tensor.data as Float32Array, dims: tensor.dims };
  if (tensor.dtype === 'float16') return { data: fromHalf(tensor.data as Uint16Array), dims: tensor.dims };
  throw new Error(`${what} is ${tensor.dtype}, expected a float tensor`);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE 754 half bits, rounding to nearest even (Float16Array is not in Node 20). */
export function toHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
    else if (exp > 142) out[i] = sign | 0x7c00;
    else if (exp < 113) {
      if (exp < 102) out[i] = sign;
      else {
        mant |= 0x800000;
        const shift = 126 - exp;
        const half = mant >>> shift;
        const rest = mant & ((1 << shift) - 1);
        const mid = 1 << (shift - 1);
        out[i] = sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
      }
    } else {
      const half = ((exp - 112) << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      out[i] = sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
    }
  }
  return out;
}

/** IEEE 754 half bits → float32. */
export function fromHalf(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    out[i] =
      exp === 0
        ? sign * mant * 2 ** -24
        : exp === 31
          ? mant
            ? NaN
            : sign * Infinity
          : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}
