/**
 * An exclusive lock on a data folder. Two processes that open one PGlite folder both start without an
 * error and then silently lose each other's writes, so the second one must refuse to start.
 */
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Raised when another live process holds the folder. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `another Phosphene server (pid ${pid}) is using DATA_DIR ${dataDir}; stop it or set DATA_DIR to another folder`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** The lock file's name inside the data folder. */
export const LOCK_FILE = 'phosphene.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o644);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function holderOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock (O_EXCL create holding our pid), taking over a stale lock of a dead process.
 * A lock of this same process counts as live: two opens in one process lose writes too.
 * Returns the function that releases it; it is also released when the process exits.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  if (!tryCreate(file)) {
    const pid = holderOf(file);
    if (pid !== undefined && isAlive(pid)) throw new DataDirLockedError(dataDir, pid);
    // Stale (dead pid or unreadable): remove it and race for it once more; a loser sees the winner's pid.
    rmSync(file, { force: true });
    if (!tryCreate(file)) throw new DataDirLockedError(dataDir, holderOf(file) ?? -1);
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (holderOf(file) === process.pid) unlinkSync(file);
  };
  process.on('exit', release);
  return release;
}
