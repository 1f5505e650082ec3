import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { DiskFileStore, FileTooLargeError, isStoreKey } from '../../../server/storage/file-store';

let root: string;
let store: DiskFileStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'phosphene-files-'));
  store = await DiskFileStore.open(root);
});

const tempFiles = () => readdir(path.join(root, '.tmp'));

describe('DiskFileStore', () => {
  describe('write and read', () => {
    it('round-trips bytes under nested keys', async () => {
      await store.write('images/a/x.png', Buffer.from('abc'));
      expect((await store.read('images/a/x.png')).toString()).toBe('abc');
      expect(await store.size('images/a/x.png')).toBe(3);
      expect(await tempFiles()).toEqual([]);
    });
    it('deletes, and deleting a missing file is fine', async () => {
      await store.write('k', Buffer.from('1'));
      await store.delete('k');
      await store.delete('k');
      expect(await store.size('k')).toBeUndefined();
    });
  });

  describe('writeStream', () => {
    it('writes a stream and returns its size', async () => {
      const n = await store.writeStream(
        'loras/l/high.safetensors',
        Readable.from([Buffer.alloc(10), Buffer.alloc(5)]),
        {
          maxBytes: 15,
        },
      );
      expect(n).toBe(15);
      expect(await store.size('loras/l/high.safetensors')).toBe(15);
    });
    it('fails past the limit and leaves neither the file nor a temp file', async () => {
      const source = Readable.from([Buffer.alloc(10), Buffer.alloc(10)]);
      await expect(store.writeStream('big', source, { maxBytes: 15 })).rejects.toBeInstanceOf(FileTooLargeError);
      expect(await store.size('big')).toBeUndefined();
      expect(await tempFiles()).toEqual([]);
    });
    it('keeps the old file until the new one is complete', async () => {
      await store.write('doc', Buffer.from('old'));
      const source = new PassThrough();
      const writing = store.writeStream('doc', source, { maxBytes: 100 });
      source.write('new, half');
      await new Promise((r) => setTimeout(r, 20));
      expect((await store.read('doc')).toString()).toBe('old');
      source.destroy(new Error('client went away'));
      await expect(writing).rejects.toThrow(/went away/);
      expect((await store.read('doc')).toString()).toBe('old');
      expect(await tempFiles()).toEqual([]);
    });
  });

  describe('keys', () => {
    it.each(['../etc/passwd', '/abs', 'a/../b', 'a//b', '.hidden', 'a/.tmp/x', 'a\\b', ''])('refuses %j', (key) => {
      expect(isStoreKey(key)).toBe(false);
      expect(() => store.localPath(key)).toThrow(/Bad file store key/);
    });
    it('accepts ids and extensions', () => {
      expect(isStoreKey('images/img_0b6c.png')).toBe(true);
    });
  });

  describe('open', () => {
    it('removes stale temp files only', async () => {
      const stale = path.join(root, '.tmp', 'stale');
      await writeFile(stale, 'x');
      await utimes(stale, new Date(0), new Date(0));
      await writeFile(path.join(root, '.tmp', 'fresh'), 'y');
      await DiskFileStore.open(root);
      expect(await tempFiles()).toEqual(['fresh']);
    });
  });
});
