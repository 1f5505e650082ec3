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
  /** Set when its owner deleted it from the gallery: a tombstone that only history sync still lists. */
  deletedAt: Date | null;
  /** `local`: a clip made in a browser and synced by its client id. */
  source: 'server' | 'local';
  clientId: string | null;
  /** The providers it may run on, in order (`local` is this server); null: this server only. */
  route: string[] | null;
  /** The index in `route` of the provider it is on now. */
  routeStep: number;
  /** Each provider that failed it before the current one, and why. */
  routeLog: RouteLogEntry[];
  /** Who ran it, once completed (`local` or an upstream's name). */
  provider: string | null;
  /** The `model` the client sent, when it sent one (what an upstream is asked for). */
  requestedModel: string | null;
  /** The id our own package runs it under (what `modelId` becomes when it runs here). */
  localModel: string | null;
  /** The denoising step of its latest live preview, once it has one. */
  previewStep: number | null;
  /** A synced clip's recipe beyond its parameters (src/shared/clip-recipe.ts), as stored; null: none. */
  recipe: unknown;
  /** The slots of its stored conditioning images (`clip_images`); only history listings read them. */
  clipImages: string[];
  updatedAt: Date;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A provider that failed a job before the next one took it. */
export interface RouteLogEntry {
  provider: string;
  code: string;
  message: string;
  at: string;
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
  deleted_at?: Date | string | null;
  source: 'server' | 'local';
  client_id: string | null;
  route: string[] | string | null;
  route_step: unknown;
  route_log: RouteLogEntry[] | string;
  provider: string | null;
  requested_model: string | null;
  local_model: string | null;
  preview_step: unknown;
  recipe?: unknown;
  /** Comma-separated slots, from listings that join `clip_images`. */
  clip_images?: string | null;
  updated_at: Date | string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

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
    deletedAt: date(r.deleted_at ?? null),
    source: r.source,
    clientId: r.client_id,
    route: r.route === null ? null : json(r.route),
    routeStep: toInt(r.route_step),
    routeLog: json(r.route_log),
    provider: r.provider,
    requestedModel: r.requested_model,
    localModel: r.local_model,
    previewStep: r.preview_step === null || r.preview_step === undefined ? null : toInt(r.preview_step),
    recipe: r.recipe === undefined || r.recipe === null ? null : json(r.recipe),
    clipImages: r.clip_images ? r.clip_images.split(',') : [],
    updatedAt: new Date(r.updated_at),
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  };
}

/** The provider a job is on now: its route's current step, or this server. */
export const currentProvider = (job: Pick<Job, 'route' | 'routeStep'>): string => job.route?.[job.routeStep] ?? 'local';

/** The states in which a job counts against its owner's concurrency limit and the queue. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'processing'];
