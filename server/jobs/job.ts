/** An inference job as stored in `jobs`, and the mapping from its row. */
import type { JobStatus } from '../../src/shared/phosor-schemas';
import type { GenerateParams } from '../../src/shared/protocol';
import { toInt } from '../db/database';

/** One job. */
export interface Job {
  id: string;
  /** Submission order; the queue is served in it. */
  seq: number;
  userId: string;
  modelId: string;
  modelSlug: string;
  params: GenerateParams;
  imageKey: string | null;
  loraId: string | null;
  loraScale: number | null;
  costMicro: number;
  status: JobStatus;
  progress: number;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  claimToken: string | null;
  videoKey: string | null;
  /** Set once retention removed the video file. */
  videoRemovedAt: Date | null;
  /** `local`: a clip made in a browser and synced by its client id. */
  source: 'server' | 'local';
  clientId: string | null;
  updatedAt: Date;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The row as both drivers return it (bigint as string from `pg`, jsonb maybe as text). */
export interface JobRow {
  id: string;
  seq: unknown;
  user_id: string;
  model_id: string;
  model_slug: string;
  params: GenerateParams | string;
  image_key: string | null;
  lora_id: string | null;
  lora_scale: number | string | null;
  cost_micro: unknown;
  status: JobStatus;
  progress: unknown;
  error_code: string | null;
  error_message: string | null;
  attempts: unknown;
  claim_token: string | null;
  video_key: string | null;
  video_removed_at: Date | string | null;
  source: 'server' | 'local';
  client_id: string | null;
  updated_at: Date | string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/** Maps a `jobs` row. */
export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    seq: toInt(r.seq),
    userId: r.user_id,
    modelId: r.model_id,
    modelSlug: r.model_slug,
    params: typeof r.params === 'string' ? (JSON.parse(r.params) as GenerateParams) : r.params,
    imageKey: r.image_key,
    loraId: r.lora_id,
    loraScale: r.lora_scale === null ? null : Number(r.lora_scale),
    costMicro: toInt(r.cost_micro),
    status: r.status,
    progress: toInt(r.progress),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    attempts: toInt(r.attempts),
    claimToken: r.claim_token,
    videoKey: r.video_key,
    videoRemovedAt: date(r.video_removed_at),
    source: r.source,
    clientId: r.client_id,
    updatedAt: new Date(r.updated_at),
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  };
}

/** The states in which a job counts against its owner's concurrency limit and the queue. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'processing'];
