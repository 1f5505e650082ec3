import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../../models/phosphene-random/make-example-lora';
import { parseSafetensors } from '../../../src/pipeline/lora/safetensors';
import { LoraError } from '../../../src/shared/errors';
import { fileFromHeader, fileFromObject, headerFor } from '../../helpers/safetensors';

/** A file with one tensor of `dtype` whose data bytes are `bits` as little-endian uint16. */
function halfFile(dtype: 'F16' | 'BF16', bits: number[]): Uint8Array {
  const file = fileFromObject(headerFor([{ name: 't', dtype, shape: [bits.length] }]));
  const dataStart = file.length - 2 * bits.length;
  bits.forEach((b, i) => file.writeUInt16LE(b, dataStart + 2 * i));
  return new Uint8Array(file);
}

describe('parseSafetensors', () => {
  describe('with a valid file', () => {
    it('reads F32 tensors with their shapes and skips __metadata__', () => {
      const bytes = encodeSafetensors(
        [
          { name: 'a', dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
          { name: 'b', dims: [], data: Float32Array.of(-0.5) },
        ],
        { format: 'pt' },
      );
      const tensors = parseSafetensors(bytes, 'x');
      expect([...tensors.keys()]).toEqual(['a', 'b']);
      expect(tensors.get('a')).toEqual({ dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
      expect(tensors.get('b')).toEqual({ dims: [], data: Float32Array.of(-0.5) });
    });

    it('reads a file that starts at an odd offset of its buffer (unaligned data)', () => {
      const bytes = encodeSafetensors([{ name: 'a', dims: [2], data: Float32Array.of(1.5, -2) }]);
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      expect(parseSafetensors(shifted.subarray(1), 'x').get('a')!.data).toEqual(Float32Array.of(1.5, -2));
    });

    it('converts F16 to float32 exactly (golden values: normal, max, subnormal, ±0, infinity)', () => {
      const { data } = parseSafetensors(
        halfFile('F16', [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x8000, 0x7c00]),
        'x',
      ).get('t')!;
      expect(Array.from(data)).toEqual([1, -2, 65504, 2 ** -24, 0.333251953125, -0, Infinity]);
    });

    it('converts BF16 to float32 exactly (the upper 16 bits of a float32)', () => {
      const { data } = parseSafetensors(halfFile('BF16', [0x3f80, 0xc049, 0x4049, 0x0000, 0x7f80]), 'x').get('t')!;
      expect(Array.from(data)).toEqual([1, -3.140625, 3.140625, 0, Infinity]);
    });
  });

  describe('with a bad file', () => {
    it.each([
      ['fewer than 8 bytes', new Uint8Array(4), /fewer than the 8-byte header length/],
      ['a header length past the end', new Uint8Array(fileFromHeader(Buffer.from('{}'), 0, 999)), /runs past the end/],
      ['a header that is not JSON', new Uint8Array(fileFromHeader(Buffer.from('{nope'), 0)), /not UTF-8 JSON/],
      ['a header that is an array', new Uint8Array(fileFromHeader(Buffer.from('[]'), 0)), /not a JSON object/],
      [
        'an integer dtype',
        new Uint8Array(fileFromObject(headerFor([{ name: 'q', dtype: 'I8', shape: [4] }]))),
        /tensor q has dtype I8; LoRA factors must be F32, F16 or BF16/,
      ],
      [
        'offsets that do not match the shape',
        new Uint8Array(fileFromObject({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } })),
        /tensor w \(F32 \[3\]\) does not match its data_offsets \[0, 8\]/,
      ],
      [
        'data past the end',
        new Uint8Array(fileFromObject({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)),
        /does not match its data_offsets/,
      ],
      [
        'a negative dim',
        new Uint8Array(fileFromObject({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })),
        /no valid shape/,
      ],
    ])('refuses %s with a LoraError naming the file', (_, bytes, message) => {
      expect(() => parseSafetensors(bytes, 'LoRA high_noise')).toThrow(LoraError);
      expect(() => parseSafetensors(bytes, 'LoRA high_noise')).toThrow(
        new RegExp(`^LoRA high_noise is not a usable safetensors file: .*${message.source}`),
      );
    });
  });
});
