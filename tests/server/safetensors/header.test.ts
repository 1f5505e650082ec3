import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsCheck, checkSafetensorsFile } from '../../../server/safetensors/stream-check';
import { fileFromHeader, fileFromObject, headerFor, tinyLora } from '../../helpers/safetensors';

/** Streams `file` through the check in chunks of `chunk` bytes. */
async function check(file: Buffer, chunk = 5, maxHeaderBytes?: number) {
  const pieces: Buffer[] = [];
  for (let i = 0; i < file.length; i += chunk) pieces.push(file.subarray(i, i + chunk));
  const checker = new SafetensorsCheck(maxHeaderBytes);
  await pipeline(Readable.from(pieces), checker, new Writable({ write: (_c, _e, done) => done() }));
  return checker.header!;
}

const good = headerFor([
  { name: 'a', dtype: 'F32', shape: [2, 3] },
  { name: 'b', dtype: 'BF16', shape: [4] },
]);

describe('SafetensorsCheck', () => {
  describe('a valid file', () => {
    it('returns tensors in data order and the metadata, whatever the chunking', async () => {
      for (const chunk of [1, 7, 64, 10_000]) {
        const header = await check(fileFromObject({ ...good, __metadata__: { format: 'pt' } }), chunk);
        expect(header.metadata).toEqual({ format: 'pt' });
        expect(header.tensors.map((t) => [t.name, t.begin, t.end])).toEqual([
          ['a', 0, 24],
          ['b', 24, 32],
        ]);
        expect(header.dataBytes).toBe(32);
      }
    });
    it('accepts a zero-sized tensor and trailing header spaces', async () => {
      const header = { ...good, empty: { dtype: 'U8', shape: [0, 5], data_offsets: [32, 32] } };
      const bytes = Buffer.from(JSON.stringify(header) + '   ');
      await expect(check(fileFromHeader(bytes, 32))).resolves.toMatchObject({ dataBytes: 32 });
    });
    it('reads a file on disk', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'st-'));
      await writeFile(path.join(dir, 'x.safetensors'), tinyLora());
      await expect(checkSafetensorsFile(path.join(dir, 'x.safetensors'))).resolves.toMatchObject({
        tensors: [expect.objectContaining({ dtype: 'F16' }), expect.anything()],
      });
    });
  });

  describe('a bad header length', () => {
    it('refuses fewer than 8 bytes', async () => {
      await expect(check(Buffer.from([1, 2, 3]))).rejects.toThrow(/too short/);
    });
    it('refuses a length past the limit before buffering it', async () => {
      const file = fileFromHeader(Buffer.from('{}'), 0, 2 ** 40);
      await expect(check(file)).rejects.toThrow(/Bad header length/);
      await expect(check(fileFromObject(good), 5, 16)).rejects.toThrow(/larger than 16/);
    });
    it('refuses a length longer than the file', async () => {
      const bytes = Buffer.from(JSON.stringify(good));
      await expect(check(fileFromHeader(bytes, 0, bytes.length + 100))).rejects.toThrow(/Truncated/);
    });
  });

  describe('a header that is not a JSON object', () => {
    it.each([
      ['not JSON', '{"a": nope}', /not valid JSON/],
      ['an array', '[1, 2]', /start with "\{"/],
      ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
      ['no tensors', '{}', /no tensors/],
      ['bad metadata', '{"__metadata__": {"a": 1}}', /__metadata__\.a/],
    ])('refuses %s', async (_name, header, message) => {
      await expect(check(fileFromHeader(Buffer.from(header), 0))).rejects.toThrow(message);
    });
  });

  describe('a bad tensor entry', () => {
    const one = (entry: unknown, data = 16) => fileFromHeader(Buffer.from(JSON.stringify({ t: entry })), data);
    it.each([
      [
        'an inherited property name as dtype',
        { dtype: 'constructor', shape: [4], data_offsets: [0, 16] },
        /dtype "constructor"/,
      ],
      ['an unknown dtype', { dtype: 'F128', shape: [4], data_offsets: [0, 16] }, /dtype "F128"/],
      ['a negative dimension', { dtype: 'F32', shape: [-4], data_offsets: [0, 16] }, /shape/],
      ['a fractional offset', { dtype: 'F32', shape: [4], data_offsets: [0, 15.5] }, /data_offsets/],
      ['reversed offsets', { dtype: 'F32', shape: [0], data_offsets: [16, 0] }, /begin <= end/],
      ['a size mismatch', { dtype: 'F32', shape: [3], data_offsets: [0, 16] }, /needs 12 bytes.*span 16/],
      ['an overflowing shape', { dtype: 'F64', shape: [2 ** 52, 2 ** 52], data_offsets: [0, 16] }, /needs/],
      ['an extra field', { dtype: 'F32', shape: [4], data_offsets: [0, 16], x: 1 }, /unknown field x/],
      ['a gap before the first tensor', { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, /gap/],
    ])('refuses %s', async (_name, entry, message) => {
      await expect(check(one(entry))).rejects.toThrow(message);
    });
    it('refuses overlapping tensors', async () => {
      const header = {
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
      };
      await expect(check(fileFromObject(header))).rejects.toThrow(/overlap/);
    });
  });

  describe('a data buffer of the wrong length', () => {
    it('refuses a short one (out-of-range offsets)', async () => {
      await expect(check(fileFromObject(good, 31))).rejects.toThrow(/describes 32 data bytes but the file holds 31/);
    });
    it('refuses a long one as soon as it overruns', async () => {
      await expect(check(fileFromObject(good, 33))).rejects.toThrow(/more follow/);
    });
  });
});
