import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../server/db/database';
import { findJob, submitJob } from '../../../server/jobs/job-store';
import { claimNextJob, failJob } from '../../../server/jobs/queue';
import { progressOf, stageOf } from '../../../server/worker/progress';
import { progressWriter } from '../../../server/worker/progress-writer';
import { openTestDatabase } from '../../helpers/databases';
import { newJob, userWith } from '../jobs/fixtures';

describe('progressOf', () => {
  it('rises through the stages and leaves 100 to completion', () => {
    const events = [
      progressOf({ type: 'load', file: 'a', loadedBytes: 0, totalBytes: 10 }),
      progressOf({ type: 'load', file: 'a', loadedBytes: 10, totalBytes: 10 }),
      progressOf({ type: 'encode-prompt' }),
      progressOf({ type: 'step', step: 1, totalSteps: 4, timestep: 900 }),
      progressOf({ type: 'step', step: 4, totalSteps: 4, timestep: 100 }),
      progressOf({ type: 'decode' }),
      progressOf({ type: 'encode-video', frame: 1, totalFrames: 5 }),
      progressOf({ type: 'encode-video', frame: 5, totalFrames: 5 }),
      progressOf({ type: 'store' }),
    ];
    expect(events).toEqual([0, 10, 10, 28, 85, 85, 90, 98, 99]);
    expect(progressOf({ type: 'done', elapsedMs: 1 })).toBeUndefined();
  });
});

describe('progressWriter on PGlite', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
  });
  afterAll(() => db.close());

  it('writes the latest value, never backwards, and reports a lost claim once', async () => {
    const user = await userWith(db, 100_000);
    const { id } = await submitJob(db, newJob(user));
    const job = (await claimNextJob(db))!;
    let lost = 0;
    const writer = progressWriter(db, job, () => lost++);
    for (const p of [5, 10, 40, 30]) writer.set(p);
    await writer.flush();
    expect((await findJob(db, id))!.progress).toBe(40);
    await failJob(db, id, { code: 'cancelled', message: 'x' });
    writer.set(50);
    await writer.flush();
    expect(lost).toBe(1);
    expect((await findJob(db, id))!.progress).toBe(40);
  });
});

describe('stageOf', () => {
  it('reads back the step of every step event, for step counts from 1 to 150', () => {
    for (let total = 1; total <= 150; total++)
      for (let step = 1; step < total; step++) {
        const progress = progressOf({ type: 'step', step, totalSteps: total, timestep: 0 })!;
        // Past 75 steps several steps share a progress value: the latest of them is what it means.
        let latest = step;
        while (
          latest + 1 < total &&
          progressOf({ type: 'step', step: latest + 1, totalSteps: total, timestep: 0 }) === progress
        )
          latest++;
        expect(stageOf('processing', progress, total), `${step}/${total}`).toEqual({
          stage: 'denoising',
          step: latest,
        });
      }
  });

  it('names every other stage by the value progressOf gives it', () => {
    const at = (event: Parameters<typeof progressOf>[0]) => stageOf('processing', progressOf(event)!, 4);
    expect(at({ type: 'load', file: 'x', loadedBytes: 5, totalBytes: 10 })).toEqual({ stage: 'loading', step: 0 });
    expect(at({ type: 'encode-prompt' })).toEqual({ stage: 'encoding_prompt', step: 0 });
    expect(at({ type: 'decode' })).toEqual({ stage: 'decoding', step: 4 });
    expect(at({ type: 'encode-video', frame: 3, totalFrames: 17 })).toEqual({ stage: 'encoding_video', step: 4 });
    expect(at({ type: 'store' })).toEqual({ stage: 'storing', step: 4 });
    expect(stageOf('queued', 0, 4)).toEqual({ stage: 'queued', step: 0 });
    expect(stageOf('completed', 100, 4)).toEqual({ stage: 'completed', step: 4 });
  });
});
