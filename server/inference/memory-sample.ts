/**
 * Reads a process's memory from `/proc/<pid>/status` (Linux): VmRSS now and VmHWM, the peak since the
 * process last reset it. The peak catches a spike between two samples, which RSS polling alone misses.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** Resident memory of a process, in MB. */
export interface MemorySample {
  rssMb: number;
  peakMb: number;
}

const field = (status: string, name: string) => {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
};

/** The process's RSS and peak, or undefined when it is gone or `/proc` is not there (not Linux). */
export async function sampleMemory(pid: number): Promise<MemorySample | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rssMb = field(status, 'VmRSS');
  if (rssMb === undefined) return undefined;
  return { rssMb, peakMb: Math.max(rssMb, field(status, 'VmHWM') ?? rssMb) };
}

/**
 * Resets this process's peak to its current RSS, so the peak the supervisor reads is the running job's
 * (https://docs.kernel.org/filesystems/proc.html, clear_refs "5"). Best effort: off Linux it does nothing.
 */
export async function resetOwnPeak(): Promise<void> {
  await writeFile('/proc/self/clear_refs', '5').catch(() => undefined);
}
