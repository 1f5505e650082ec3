/** A running job's latest live preview: written by its worker while the claim holds, read by its owner. */
import type { Queryable } from '../db/database';
import type { Job } from './job';

/** One preview as a worker reports it. */
export interface JobPreview {
  step: number;
  totalSteps: number;
  png: Uint8Array;
}

/** Stores `preview` as the job's latest; false (nothing written) when the claim is no longer this worker's. */
export async function savePreview(db: Queryable, job: Job, preview: JobPreview): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET preview_step = $3 WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
    [job.id, job.claimToken, preview.step],
  );
  if (rowCount === 0) return false;
  await db.query(
    `INSERT INTO job_previews (job_id, step, total_steps, png) VALUES ($1, $2, $3, $4)
     ON CONFLICT (job_id) DO UPDATE SET step = EXCLUDED.step, total_steps = EXCLUDED.total_steps, png = EXCLUDED.png,
       updated_at = now()`,
    [job.id, preview.step, preview.totalSteps, Buffer.from(preview.png)],
  );
  return true;
}

/** The latest preview of the user's job, or undefined. */
export async function findPreview(db: Queryable, userId: string, jobId: string): Promise<JobPreview | undefined> {
  const { rows } = await db.query<{ step: number; total_steps: number; png: Uint8Array }>(
    `SELECT p.step, p.total_steps, p.png FROM job_previews p JOIN jobs j ON j.id = p.job_id
     WHERE p.job_id = $1 AND j.user_id = $2`,
    [jobId, userId],
  );
  const row = rows[0];
  return row && { step: row.step, totalSteps: row.total_steps, png: row.png };
}
