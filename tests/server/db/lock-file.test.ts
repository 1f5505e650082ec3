import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE } from '../../../server/db/lock-file';
import { openPglite } from '../../../server/db/pglite';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'phosphene-data-'));

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    .stdout as unknown as number;
}

describe('the DATA_DIR lock file', () => {
  describe('when the folder is free', () => {
    it('holds our pid until released', () => {
      const dir = dataDir();
      const release = acquireDataDirLock(dir);
      expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      release();
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    });
  });

  describe('when a live process holds it', () => {
    it('refuses with the pid and what to do', () => {
      const dir = dataDir();
      writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
      expect(() => acquireDataDirLock(dir)).toThrow(
        `another Phosphene server (pid ${process.ppid}) is using DATA_DIR ${dir}; stop it or set DATA_DIR`,
      );
    });
  });

  describe('when a dead process left it behind', () => {
    it('takes it over', () => {
      const dir = dataDir();
      writeFileSync(path.join(dir, LOCK_FILE), `${deadPid()}\n`);
      const release = acquireDataDirLock(dir);
      expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      release();
    });
  });

  describe('a second PGlite open of one folder', () => {
    it('fails with the clear message while the first is open, and the lock goes with close()', async () => {
      const dir = dataDir();
      const first = await openPglite(dir);
      await first.query('CREATE TABLE kept (a int)');
      await expect(openPglite(dir)).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(openPglite(dir)).rejects.toThrow(
        /another Phosphene server \(pid \d+\) is using DATA_DIR .*; stop it or set DATA_DIR/,
      );
      await first.close();
      // A third PGlite open would cost seconds; the free lock is what close() owes.
      acquireDataDirLock(dir)();
    });
  });
});
