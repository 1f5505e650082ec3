import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceFailedError, WorkerCrashedError, WorkerOutOfMemoryError } from '../../../server/inference/errors';
import type { InferenceRequest } from '../../../server/inference/protocol';
import { WorkerProcess } from '../../../server/inference/worker-process';
import { describeVideoTrack } from '../../helpers/mp4-boxes';
import { LARGE, writeLargeTinyPackage } from '../../helpers/large-tiny-package';
import { TINY_PARAMS } from '../jobs/fixtures';

const TINY = path.resolve('tests/fixtures/models/phosphene-tiny');
const small = (modelDir = TINY): InferenceRequest => ({
  modelDir,
  params: { ...TINY_PARAMS },
  imageKey: null,
  loraId: null,
  loraScale: null,
});

/** A log that keeps its lines, so a test can read what a death wrote. */
function memoryLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
    error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
  };
}

const run = (signal = new AbortController().signal, onProgress: (p: number) => void = () => undefined) => ({
  onProgress,
  signal,
});
const mapsOf = (pid: number) => readFileSync(`/proc/${pid}/maps`, 'utf8');

describe('WorkerProcess', () => {
  const log = memoryLog();
  const worker = new WorkerProcess({ memoryBudgetMb: 4096, log });
  let largeDir: string;
  beforeAll(async () => {
    largeDir = await writeLargeTinyPackage();
  });
  afterAll(() => worker.close());

  describe('running jobs', () => {
    it('generates and encodes in a child process, which loads onnxruntime where this one need not', async () => {
      const progress: number[] = [];
      const mp4 = await worker.execute(
        'job_a',
        small(),
        run(undefined, (p) => progress.push(p)),
      );
      expect(describeVideoTrack(mp4)).toMatchObject({ codec: 'avc1', width: 64, height: 64, samples: 5 });
      expect(progress.length).toBeGreaterThan(0);
      expect(worker.pid).not.toBe(process.pid);
      expect(mapsOf(worker.pid!)).toMatch(/onnxruntime/);
    });

    it('reports a job’s own failure with its code and keeps the process', async () => {
      const pid = worker.pid;
      const request = { ...small(), imageKey: 'images/missing.png' };
      const error = await worker.execute('job_b', request, run()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InferenceFailedError);
      expect((error as InferenceFailedError).failure.code).toBe('invalid_image');
      expect(worker.pid).toBe(pid);
    });
  });

  describe('when the process is killed with SIGKILL mid-job', () => {
    it('rejects that job with WorkerCrashedError, logs the death, and runs the next job in a fresh process', async () => {
      await worker.start();
      const pid = worker.pid!;
      let killed = false;
      // A job of a second or more (a package not loaded yet, then 512×512×9), so the kill lands mid-job.
      const big = { ...small(largeDir), params: { ...small().params, ...LARGE } };
      const error = await worker
        .execute(
          'job_killed',
          big,
          run(undefined, () => {
            if (!killed) process.kill(pid, 'SIGKILL');
            killed = true;
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error).toMatchObject({ pid, signal: 'SIGKILL' });
      const death = log.lines.find((l) => l.fields.jobId === 'job_killed');
      expect(death).toMatchObject({ level: 'error', fields: { pid, signal: 'SIGKILL', exitCode: null } });
      expect(death!.fields.lastRssMb).toEqual(expect.any(Number));
      const mp4 = await worker.execute('job_after', small(), run());
      expect(describeVideoTrack(mp4).samples).toBe(5);
      expect(worker.pid).not.toBe(pid);
    });
  });

  describe('when aborted', () => {
    it('rejects with the abort reason once the worker has stopped, and keeps the process', async () => {
      await worker.start();
      const pid = worker.pid;
      const controller = new AbortController();
      const error = await worker
        .execute(
          'job_aborted',
          small(),
          run(controller.signal, () => controller.abort()),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(worker.pid).toBe(pid);
      expect(describeVideoTrack(await worker.execute('job_next', small(), run())).samples).toBe(5);
    });
  });
});

describe('WorkerProcess after an abort its process honoured', () => {
  const worker = new WorkerProcess({ memoryBudgetMb: 4096, abortGraceMs: 50, log: memoryLog() });
  let largeDir: string;
  beforeAll(async () => {
    largeDir = await writeLargeTinyPackage();
  });
  afterAll(() => worker.close());

  it('does not kill the process while it runs the next, longer job', async () => {
    const controller = new AbortController();
    await worker
      .execute(
        'job_aborted',
        small(),
        run(controller.signal, () => controller.abort()),
      )
      .catch(() => undefined);
    const pid = worker.pid;
    // Far longer than the 50 ms grace period the abort started.
    const big = { ...small(largeDir), params: { ...small().params, ...LARGE } };
    expect(describeVideoTrack(await worker.execute('job_long', big, run())).samples).toBe(9);
    expect(worker.pid).toBe(pid);
  });
});

describe('WorkerProcess over its memory budget', () => {
  const log = memoryLog();
  // Between the fixture's small job (~0.15 GB) and the large package's 512×512×9 (~0.7 GB).
  const worker = new WorkerProcess({ memoryBudgetMb: 400, memoryPollMs: 50, log });
  let largeDir: string;
  beforeAll(async () => {
    largeDir = await writeLargeTinyPackage();
  });
  afterAll(() => worker.close());

  it('is killed, its job rejects with WorkerOutOfMemoryError, and the next job runs in a fresh process', async () => {
    const big = { ...small(largeDir), params: { ...small().params, ...LARGE } };
    await worker.start();
    const pid = worker.pid;
    const error = await worker.execute('job_big', big, run()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerOutOfMemoryError);
    expect((error as WorkerOutOfMemoryError).rssMb).toBeGreaterThan(400);
    expect(log.lines.find((l) => l.fields.jobId === 'job_big')).toMatchObject({
      level: 'error',
      fields: { pid, signal: 'SIGKILL', overBudget: true, memoryBudgetMb: 400 },
    });
    const mp4 = await worker.execute('job_small', small(largeDir), run());
    expect(describeVideoTrack(mp4).samples).toBe(5);
  });
});
