/**
 * Where files live (images, LoRAs, videos): a small interface so a later S3-style store can replace the
 * disk one, and one implementation over `DATA_DIR/files`. Writes are atomic (temp file, then rename),
 * so a reader or a crash never sees half a file under its final name.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stream was longer than the limit its writer set. */
export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than the ${maxBytes}-byte limit.`);
    this.name = 'FileTooLargeError';
  }
}

/** Files by key (`images/img_….png`, `loras/lora_…/high_noise.safetensors`, …). */
export interface FileStore {
  /** Writes `data` under `key`, replacing what was there, atomically. */
  write(key: string, data: Buffer): Promise<void>;
  /**
   * Streams `source` (through `transforms`, e.g. a format check) to `key` atomically; fails with
   * FileTooLargeError past `maxBytes`, leaving nothing behind. Returns the bytes written.
   */
  writeStream(key: string, source: Readable, options: { maxBytes: number; transforms?: Transform[] }): Promise<number>;
  read(key: string): Promise<Buffer>;
  readStream(key: string): Readable;
  /** The size in bytes, or undefined when there is no such file. */
  size(key: string): Promise<number | undefined>;
  /** Removes `key`; a missing file is not an error. */
  delete(key: string): Promise<void>;
  /** A local path for consumers that need one (ONNX Runtime opens files by name). */
  localPath(key: string): string;
}

// Segments start with a letter or digit, so "..", "." and hidden names cannot be expressed.
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Whether `key` is a well-formed store key (no traversal, no absolute paths). */
export const isStoreKey = (key: string): boolean => KEY.test(key) && key.length <= 512;

function counter(maxBytes: number, onBytes: (n: number) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      onBytes(seen);
      callback(seen > maxBytes ? new FileTooLargeError(maxBytes) : null, chunk);
    },
  });
}

/** Temp files older than this at startup were left by a crash. */
const STALE_TEMP_MS = 24 * 3600_000;

/** The FileStore over a folder; temp files go to `<root>/.tmp` (same filesystem, so rename is atomic). */
export class DiskFileStore implements FileStore {
  private readonly tmp: string;

  private constructor(private readonly root: string) {
    this.tmp = path.join(root, '.tmp');
  }

  /** Opens (creating) the store at `root` and clears temp files a crash left behind. */
  static async open(root: string): Promise<DiskFileStore> {
    const store = new DiskFileStore(path.resolve(root));
    await mkdir(store.tmp, { recursive: true });
    for (const name of await readdir(store.tmp)) {
      const file = path.join(store.tmp, name);
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
    }
    return store;
  }

  localPath(key: string): string {
    if (!isStoreKey(key)) throw new Error(`Bad file store key ${JSON.stringify(key)}.`);
    return path.join(this.root, ...key.split('/'));
  }

  async write(key: string, data: Buffer): Promise<void> {
    const target = this.localPath(key);
    const temp = path.join(this.tmp, randomUUID());
    try {
      await writeFile(temp, data, { flag: 'wx' });
      await this.commit(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async writeStream(
    key: string,
    source: Readable,
    options: { maxBytes: number; transforms?: Transform[] },
  ): Promise<number> {
    const target = this.localPath(key);
    const temp = path.join(this.tmp, randomUUID());
    let bytes = 0;
    const sink = createWriteStream(temp, { flags: 'wx' });
    try {
      const stages = [...(options.transforms ?? []), counter(options.maxBytes, (n) => (bytes = n))];
      await pipeline([source, ...stages, sink]);
      await this.commit(temp, target);
      return bytes;
    } catch (error) {
      // A source that fails early (a client gone mid-upload) can reject the pipeline before the sink's
      // open has finished: removing the temp file then would run before it exists and leave it behind.
      if (!sink.closed) await once(sink, 'close').catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.localPath(key));
  }

  readStream(key: string): Readable {
    return createReadStream(this.localPath(key));
  }

  async size(key: string): Promise<number | undefined> {
    const info = await stat(this.localPath(key)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  async delete(key: string): Promise<void> {
    await unlink(this.localPath(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private async commit(temp: string, target: string): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    await rename(temp, target);
  }
}
