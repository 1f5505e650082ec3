/**
 * Where an active job stands: its place in the queue and an estimate of when it will be done. The
 * estimate measures this server's recent speed in seconds per unit of work (pixels × frames × steps,
 * what a denoising pass costs), on jobs its own workers ran (an upstream's speed says nothing about
 * them; jobs from before providers were recorded have none and count as local), and assumes the
 * workers now busy stay busy.
 *
 * Every polling client asks the same questions of the same queue, so the answers come from one snapshot
 * of the queue (three queries), shared by all requests for `snapshotMs` (default 500 ms): a hundred
 * clients polling cost three queries per half second, not three each.
 */
import { toInt, type Queryable } from '../db/database';
import type { Job } from './job';

/** Completed jobs the speed is measured over. */
export const SPEED_WINDOW = 20;
/** How long a queue snapshot answers status requests, by default. */
export const SNAPSHOT_MS = 500;

/** What a status answer adds for an active job. */
export interface QueueStanding {
  /** 1 for the next job a worker claims; only while queued. */
  queuePosition?: number;
  /** Seconds until the job should be done; absent until some job of this server has completed. */
  etaSeconds?: number;
}

interface Snapshot {
  takenAt: number;
  /** Seconds per unit of work, undefined before any completed job. */
  rate?: number;
  /** Queued jobs' seq in queue order, and the work queued before each (prefix sums). */
  queuedSeq: number[];
  workBefore: number[];
  /** All the queued work. */
  queuedWork: number;
  running: number;
  runningWorkLeft: number;
}

// One job's work in SQL, from its params; the same formula as `workOf`.
const WORK_SQL = `((params->>'width')::double precision * (params->>'height')::double precision
  * (params->>'num_frames')::double precision * (params->>'num_inference_steps')::double precision)`;

/** Pixels × frames × steps of a job. */
export const workOf = (job: Job): number =>
  job.params.width * job.params.height * job.params.num_frames * job.params.num_inference_steps;

async function takeSnapshot(q: Queryable): Promise<Snapshot> {
  const speed = await q.query<{ seconds: unknown; work: unknown }>(
    `SELECT SUM(EXTRACT(EPOCH FROM finished_at - started_at)) AS seconds, SUM(${WORK_SQL}) AS work
     FROM (SELECT * FROM jobs WHERE status = 'completed' AND started_at IS NOT NULL
             AND (provider IS NULL OR provider = 'local')
           ORDER BY finished_at DESC LIMIT $1) recent`,
    [SPEED_WINDOW],
  );
  const seconds = Number(speed.rows[0]?.seconds ?? NaN);
  const work = Number(speed.rows[0]?.work ?? NaN);
  // The queue is bounded by its capacity (100 by default), so reading all of it is cheap.
  const queued = await q.query<{ seq: unknown; work: unknown }>(
    `SELECT seq, ${WORK_SQL} AS work FROM jobs WHERE status = 'queued' ORDER BY seq`,
  );
  const running = await q.query<{ n: unknown; work_left: unknown }>(
    `SELECT COUNT(*) AS n, COALESCE(SUM(${WORK_SQL} * (1 - progress / 100.0)), 0) AS work_left
     FROM jobs WHERE status = 'processing'`,
  );
  const workBefore: number[] = [];
  let sum = 0;
  for (const row of queued.rows) {
    workBefore.push(sum);
    sum += Number(row.work);
  }
  return {
    takenAt: Date.now(),
    rate: seconds > 0 && work > 0 ? seconds / work : undefined,
    queuedSeq: queued.rows.map((r) => toInt(r.seq)),
    workBefore,
    queuedWork: sum,
    running: toInt(running.rows[0]!.n),
    runningWorkLeft: Number(running.rows[0]!.work_left),
  };
}

/** Index of the first element of the ascending `values` that is ≥ `x`. */
function lowerBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The queue snapshots of each database, and the one being taken (so concurrent requests share it). */
const snapshots = new WeakMap<Queryable, { current?: Snapshot; pending?: Promise<Snapshot> }>();

async function snapshotOf(q: Queryable, maxAgeMs: number): Promise<Snapshot> {
  let entry = snapshots.get(q);
  if (!entry) snapshots.set(q, (entry = {}));
  if (entry.current && Date.now() - entry.current.takenAt < maxAgeMs) return entry.current;
  const slot = entry;
  slot.pending ??= takeSnapshot(q).finally(() => (slot.pending = undefined));
  slot.current = await slot.pending;
  return slot.current;
}

/** The job's queue position and ETA from a snapshot at most `snapshotMs` old; empty for a finished job. */
export async function queueStanding(q: Queryable, job: Job, snapshotMs = SNAPSHOT_MS): Promise<QueueStanding> {
  if (job.status !== 'queued' && job.status !== 'processing') return {};
  const s = await snapshotOf(q, snapshotMs);
  if (job.status === 'processing') {
    if (s.rate === undefined) return {};
    return { etaSeconds: Math.ceil(workOf(job) * (1 - job.progress / 100) * s.rate) };
  }
  // Queued jobs ahead; a job newer than the snapshot is behind all of them.
  const ahead = lowerBound(s.queuedSeq, job.seq);
  const standing: QueueStanding = { queuePosition: ahead + 1 };
  if (s.rate === undefined) return standing;
  const queuedWork = ahead < s.workBefore.length ? s.workBefore[ahead]! : s.queuedWork;
  // The work ahead is shared by the workers now busy (at least one).
  const before = (queuedWork + s.runningWorkLeft) / Math.max(1, s.running);
  return { ...standing, etaSeconds: Math.ceil((before + workOf(job)) * s.rate) };
}
