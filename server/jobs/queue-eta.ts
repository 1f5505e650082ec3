/**
 * Where an active job stands: its place in the queue and an estimate of when it will be done. The
 * estimate measures this server's recent speed in seconds per unit of work (pixels × frames × steps,
 * what a denoising pass costs) and assumes the workers now busy stay busy: one job's error is one
 * queue slot, never the service's.
 */
import { toInt, type Queryable } from '../db/database';
import type { Job } from './job';

/** Completed jobs the speed is measured over. */
export const SPEED_WINDOW = 20;

/** What a status answer adds for an active job. */
export interface QueueStanding {
  /** 1 for the next job a worker claims; only while queued. */
  queuePosition?: number;
  /** Seconds until the job should be done; absent until some job of this server has completed. */
  etaSeconds?: number;
}

// One job's work in SQL, from its params; the same formula as `workOf`.
const WORK_SQL = `((params->>'width')::double precision * (params->>'height')::double precision
  * (params->>'num_frames')::double precision * (params->>'num_inference_steps')::double precision)`;

/** Pixels × frames × steps of a job. */
export const workOf = (job: Job): number =>
  job.params.width * job.params.height * job.params.num_frames * job.params.num_inference_steps;

/** Seconds per unit of work over the last completed jobs, or undefined with none yet. */
async function secondsPerWork(q: Queryable): Promise<number | undefined> {
  const { rows } = await q.query<{ seconds: unknown; work: unknown }>(
    `SELECT SUM(EXTRACT(EPOCH FROM finished_at - started_at)) AS seconds, SUM(${WORK_SQL}) AS work
     FROM (SELECT * FROM jobs WHERE status = 'completed' AND started_at IS NOT NULL
           ORDER BY finished_at DESC LIMIT $1) recent`,
    [SPEED_WINDOW],
  );
  const seconds = Number(rows[0]?.seconds ?? NaN);
  const work = Number(rows[0]?.work ?? NaN);
  return seconds > 0 && work > 0 ? seconds / work : undefined;
}

/** The job's queue position and ETA; empty for a job that is no longer active. */
export async function queueStanding(q: Queryable, job: Job): Promise<QueueStanding> {
  if (job.status !== 'queued' && job.status !== 'processing') return {};
  const rate = await secondsPerWork(q);
  if (job.status === 'processing') {
    if (rate === undefined) return {};
    return { etaSeconds: Math.ceil(workOf(job) * (1 - job.progress / 100) * rate) };
  }
  // Work ahead: what the running jobs have left and the queued jobs before this one, shared by the
  // workers now busy (at least one).
  const { rows } = await q.query<{ ahead: unknown; queued_work: unknown; running: unknown; running_work: unknown }>(
    `SELECT
       (SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND seq < $1) AS ahead,
       (SELECT COALESCE(SUM(${WORK_SQL}), 0) FROM jobs WHERE status = 'queued' AND seq < $1) AS queued_work,
       (SELECT COUNT(*) FROM jobs WHERE status = 'processing') AS running,
       (SELECT COALESCE(SUM(${WORK_SQL} * (1 - progress / 100.0)), 0) FROM jobs WHERE status = 'processing') AS running_work`,
    [job.seq],
  );
  const r = rows[0]!;
  const standing: QueueStanding = { queuePosition: toInt(r.ahead) + 1 };
  if (rate === undefined) return standing;
  const workers = Math.max(1, toInt(r.running));
  const before = (Number(r.queued_work) + Number(r.running_work)) / workers;
  return { ...standing, etaSeconds: Math.ceil((before + workOf(job)) * rate) };
}
