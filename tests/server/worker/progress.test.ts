import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../server/db/database';
import { findJob, submitJob } from '../../../server/jobs/job-store';
import { claimNextJob, failJob } from '../../../server/jobs/queue';
import { progressOf } from '../../../server/worker/progress';
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
