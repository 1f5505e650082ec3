import { describe, expect, it } from 'vitest';
import { floatInput, fromHalf, intInput, readFloat, toHalf } from '../../src/pipeline/tensor-io';

describe('float16 conversion', () => {
  // Reference bit patterns from IEEE 754 binary16 tables.
  const cases: [number, number][] = [
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [Number.POSITIVE_INFINITY, 0x7c00],
  ];
  it.each(cases)('%s ↔ 0x%s', (value, bits) => {
    expect(toHalf(new Float32Array([value]))[0]).toBe(bits);
    if (Math.abs(value) <= 65504) expect(fromHalf(new Uint16Array([bits]))[0]).toBe(value);
  });

  it('rounds to nearest even', () => {
    expect(toHalf(new Float32Array([0.1]))[0]).toBe(0x2e66);
    expect(toHalf(new Float32Array([1 + 2 ** -11]))[0]).toBe(0x3c00);
    expect(toHalf(new Float32Array([1 + 3 * 2 ** -11]))[0]).toBe(0x3c02);
  });

  it('keeps NaN', () => {
    expect(Number.isNaN(fromHalf(toHalf(new Float32Array([Number.NaN])))[0])).toBe(true);
  });
});

describe('graph inputs and outputs', () => {
  it('builds int64 token ids', () => {
    expect(intInput('int64', [2, 3], [1, 2]).data).toEqual(new BigInt64Array([2n, 3n]));
  });

  it('round-trips float16 tensors through float32', () => {
    const t = floatInput('float16', new Float32Array([1, -0.5]), [2]);
    expect(t.dtype).toBe('float16');
    expect(readFloat(t, 'x').data).toEqual(new Float32Array([1, -0.5]));
  });

  it('refuses dims that do not match the data', () => {
    expect(() => floatInput('float32', new Float32Array(3), [2, 2])).toThrow(/need 4/);
  });
});
