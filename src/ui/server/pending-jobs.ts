/**
 * Server jobs asked for while the server could not be reached: kept in this browser (IndexedDB) and sent
 * when the network returns. Sending is idempotent by the job's id, so a job sent twice (two tabs, a retry
 * after a lost answer) is still one job with one charge. Stored entries are read back through a schema.
 */
import { createStore, del, entries, set, type UseStore } from 'idb-keyval';
import { z } from '../../shared/zod-mini';
import { storedParamsSchema } from '../../shared/stored-params';

/** One job waiting for the network. */
export const pendingJobSchema = z.object({
  jobId: z.string().check(z.minLength(1)),
  createdAt: z.number(),
  modelId: z.string().check(z.minLength(1)),
  modelUrl: z.string(),
  params: storedParamsSchema,
});

/** A job waiting for the network. */
export type PendingJob = z.infer<typeof pendingJobSchema>;

let store: UseStore | null = null;
// Its own database: idb-keyval creates one object store per database, and the history's exists already.
const db = (): UseStore => (store ??= createStore('phosphene-pending', 'jobs'));

export async function addPending(job: PendingJob): Promise<void> {
  await set(job.jobId, job, db());
}

/** The waiting jobs, oldest first; unreadable entries are dropped (they could never be sent). */
export async function listPending(): Promise<PendingJob[]> {
  const jobs: PendingJob[] = [];
  for (const [key, value] of await entries(db())) {
    const parsed = pendingJobSchema.safeParse(value);
    if (parsed.success) jobs.push(parsed.data);
    else await del(key, db());
  }
  return jobs.sort((a, b) => a.createdAt - b.createdAt);
}

export async function removePending(jobId: string): Promise<void> {
  await del(jobId, db());
}
