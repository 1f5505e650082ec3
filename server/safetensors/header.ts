/** Parses and validates a safetensors JSON header (https://github.com/huggingface/safetensors#format). */
import { DTYPE_BYTES, DTYPES } from './dtypes';
import { SafetensorsError } from './errors';

/** One tensor as the header describes it; offsets are relative to the start of the data buffer. */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: tensors in data order, the optional metadata, and how long the data buffer must be. */
export interface SafetensorsHeader {
  tensors: TensorInfo[];
  metadata: Record<string, string>;
  dataBytes: number;
}

/** The reference implementation's header limit; it keeps a hostile length from making us buffer gigabytes. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Reads the 8-byte little-endian header length and checks it against `maxHeaderBytes`. */
export function readHeaderLength(prefix: Buffer, maxHeaderBytes = MAX_HEADER_BYTES): number {
  if (prefix.length < 8)
    throw new SafetensorsError('File too short: a safetensors file starts with an 8-byte header length.');
  const length = prefix.readBigUInt64LE(0);
  if (length < 2n)
    throw new SafetensorsError(`Bad header length ${length}: the JSON header needs at least 2 bytes ("{}").`);
  if (length > BigInt(maxHeaderBytes))
    throw new SafetensorsError(`Bad header length ${length}: headers larger than ${maxHeaderBytes} bytes are refused.`);
  return Number(length);
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJson(bytes: Buffer): Record<string, unknown> {
  if (bytes[0] !== 0x7b) throw new SafetensorsError('Bad header: the JSON header must start with "{".');
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    throw new SafetensorsError('Bad header: it is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(`Bad header: it is not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SafetensorsError('Bad header: it must be a JSON object.');
  return value as Record<string, unknown>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SafetensorsError('Bad header: __metadata__ must be an object of strings.');
  for (const [key, v] of Object.entries(value))
    if (typeof v !== 'string') throw new SafetensorsError(`Bad header: __metadata__.${key} must be a string.`);
  return value as Record<string, string>;
}

function readTensor(name: string, value: unknown): TensorInfo {
  const where = `tensor ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SafetensorsError(`Bad ${where}: it must be an object with dtype, shape and data_offsets.`);
  const { dtype, shape, data_offsets: offsets, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new SafetensorsError(`Bad ${where}: unknown field ${extra[0]}.`);
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
    throw new SafetensorsError(`Bad ${where}: dtype ${JSON.stringify(dtype)} is not one of ${DTYPES.join(', ')}.`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    throw new SafetensorsError(`Bad ${where}: shape must be an array of non-negative integers.`);
  const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? (offsets as unknown[]) : [];
  if (!isCount(begin) || !isCount(end) || begin > end)
    throw new SafetensorsError(`Bad ${where}: data_offsets must be [begin, end] with 0 <= begin <= end.`);
  // BigInt: a hostile shape's element count can overflow a double long before it is compared.
  const expected = shape.reduce((n: bigint, d: number) => n * BigInt(d), 1n) * BigInt(DTYPE_BYTES[dtype]!);
  if (expected !== BigInt(end - begin))
    throw new SafetensorsError(
      `Bad ${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets span ${end - begin}.`,
    );
  return { name, dtype, shape, begin, end };
}

/**
 * Validates the header bytes: UTF-8 JSON object, optional `__metadata__` string map, at least one tensor,
 * known dtypes, sizes matching shapes, and offsets that tile the data buffer from 0 without gaps or
 * overlaps. The caller checks that the data buffer is exactly `dataBytes` long.
 */
export function parseHeader(bytes: Buffer): SafetensorsHeader {
  const json = decodeJson(bytes);
  let metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = readMetadata(value);
    else tensors.push(readTensor(name, value));
  }
  if (tensors.length === 0) throw new SafetensorsError('Bad header: it lists no tensors.');
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of tensors) {
    if (t.begin !== cursor)
      throw new SafetensorsError(
        t.begin < cursor
          ? `Bad tensor ${JSON.stringify(t.name)}: data_offsets overlap the previous tensor (begin ${t.begin} < ${cursor}).`
          : `Bad tensor ${JSON.stringify(t.name)}: a gap before it (begin ${t.begin}, previous tensor ends at ${cursor}).`,
      );
    cursor = t.end;
  }
  return { tensors, metadata, dataBytes: cursor };
}
