/** Validates a safetensors file while it streams past, holding only the header in memory. */
import { createReadStream } from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SafetensorsError } from './errors';
import { MAX_HEADER_BYTES, parseHeader, readHeaderLength, type SafetensorsHeader } from './header';

/**
 * A pass-through that fails the stream as soon as the bytes cannot be a valid safetensors file, and at
 * the end when the data buffer is shorter or longer than the header says. After `finish`, `header` is set.
 */
export class SafetensorsCheck extends Transform {
  /** The validated header, once the stream has ended without error. */
  header: SafetensorsHeader | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headerLength: number | undefined;
  private parsed: SafetensorsHeader | undefined;
  private dataSeen = 0;

  constructor(private readonly maxHeaderBytes = MAX_HEADER_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.inspect(chunk);
      callback(null, chunk);
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.parsed) {
        if (this.headerLength === undefined) readHeaderLength(Buffer.concat(this.pending), this.maxHeaderBytes);
        throw new SafetensorsError(
          `Truncated file: the header length is ${this.headerLength} bytes but the file ends first.`,
        );
      }
      if (this.dataSeen !== this.parsed.dataBytes)
        throw new SafetensorsError(
          `Truncated file: the header describes ${this.parsed.dataBytes} data bytes but the file holds ${this.dataSeen}.`,
        );
      this.header = this.parsed;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private inspect(chunk: Buffer): void {
    if (this.parsed) return this.countData(chunk.length);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.headerLength === undefined) {
      if (this.pendingBytes < 8) return;
      this.headerLength = readHeaderLength(Buffer.concat(this.pending), this.maxHeaderBytes);
    }
    const headerEnd = 8 + this.headerLength;
    if (this.pendingBytes < headerEnd) return;
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.parsed = parseHeader(all.subarray(8, headerEnd));
    this.countData(all.length - headerEnd);
  }

  private countData(bytes: number): void {
    this.dataSeen += bytes;
    if (this.dataSeen > this.parsed!.dataBytes)
      throw new SafetensorsError(
        `Bad file: the header describes ${this.parsed!.dataBytes} data bytes but more follow (data_offsets do not cover the buffer).`,
      );
  }
}

/** Validates a safetensors file on disk, reading it once in chunks; returns its header. */
export async function checkSafetensorsFile(
  file: string,
  maxHeaderBytes = MAX_HEADER_BYTES,
): Promise<SafetensorsHeader> {
  const check = new SafetensorsCheck(maxHeaderBytes);
  await pipeline(createReadStream(file), check, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return check.header!;
}
