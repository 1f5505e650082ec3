/**
 * `GET /inference/events/{request_id}`: a job's progress as Server-Sent Events, for clients that would
 * rather listen than poll (behind `requireApiKey`; owner only). The stream reads the job as status does,
 * every `eventsPollMs`, and sends an event whenever what status would answer changes; it ends after the
 * job's final event. Each event's id is that state's signature, so a client that reconnects with
 * `Last-Event-ID` gets only what changed since; a finished job it has fully seen answers 204, which
 * tells EventSource to stop reconnecting.
 */
import { Router, type Request, type Response } from 'express';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { JobNotFoundError } from '../jobs/errors';
import type { Job } from '../jobs/job';
import { findUserJob } from '../jobs/job-store';
import { findPreview } from '../jobs/previews';
import { queueStanding } from '../jobs/queue-eta';
import { rejectUnstorableParam } from '../validation';
import { stageOf } from '../worker/progress';

/** Options of the events route. */
export interface EventsOptions {
  /** How often an open stream reads its job (default 250 ms). */
  eventsPollMs?: number;
  /** Age of the queue snapshot behind queue_position and eta_seconds (see queue-eta.ts). */
  queueSnapshotMs?: number;
  /** Origin of preview URLs (PUBLIC_URL); absent, they are relative. */
  publicUrl?: string;
}

/** Open streams one user may hold on one node: each reads the database a few times a second. */
export const MAX_STREAMS_PER_USER = 10;

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

const isFinal = (job: Job) => job.status === 'completed' || job.status === 'failed';

/** The event for the job's current state: its id (a signature of the state), name and data. */
async function eventOf(db: Database, job: Job, snapshotMs?: number, origin = '') {
  const standing = await queueStanding(db, job, snapshotMs);
  const { stage, step } = stageOf(job.status, job.progress, job.params.num_inference_steps);
  const data = {
    request_id: job.id,
    status: job.status,
    progress: job.progress,
    stage,
    step,
    total_steps: job.params.num_inference_steps,
    queue_position: standing.queuePosition,
    eta_seconds: standing.etaSeconds,
    error: job.status === 'failed' ? { code: job.errorCode ?? 'failed', message: job.errorMessage ?? '' } : undefined,
    preview_step: job.previewStep ?? undefined,
    // The step in the query makes each preview its own URL, so no cache serves an older one.
    preview_url: job.previewStep
      ? `${origin}/api/v1/inference/preview/${encodeURIComponent(job.id)}?step=${job.previewStep}`
      : undefined,
  };
  // Attempts first: a job re-queued after its worker died starts again from 0 under new ids.
  const id = [
    job.attempts,
    job.status,
    job.progress,
    standing.queuePosition ?? '',
    standing.etaSeconds ?? '',
    job.previewStep ?? '',
  ].join('.');
  return { id, name: job.status, data };
}

/** The events router; mount behind `requireApiKey`. */
export function inferenceEventsRouter(db: Database, options: EventsOptions): Router {
  const router = Router();
  const openStreams = new Map<string, number>();
  router.param('request_id', rejectUnstorableParam);
  router.get('/inference/events/:request_id', async (req: Request<{ request_id: string }>, res: Response) => {
    const userId = authOf(res).user.id;
    const id = req.params.request_id;
    const first = await findUserJob(db, userId, id);
    if (!first) throw new JobNotFoundError(id);
    let lastId = req.get('last-event-id') ?? '';
    const origin = options.publicUrl?.replace(/\/$/, '') ?? '';
    const firstEvent = await eventOf(db, first, options.queueSnapshotMs, origin);
    if (isFinal(first) && firstEvent.id === lastId) {
      res.status(204).end();
      return;
    }
    const holding = openStreams.get(userId) ?? 0;
    if (holding >= MAX_STREAMS_PER_USER)
      throw new HttpError(
        429,
        'too_many_streams',
        `You have ${holding} event streams open on this server, the most one user may; close one, or poll GET /api/v1/inference/status/${id}.`,
      );
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // nginx and similar proxies would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    let open = true;
    // The response's close, not the request's: a GET's request 'close' fires once its (empty) body is read.
    res.on('close', () => (open = false));
    let lastWrite = Date.now();
    const send = (event: Awaited<ReturnType<typeof eventOf>>) => {
      res.write(`id: ${event.id}\nevent: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`);
      lastId = event.id;
      lastWrite = Date.now();
    };
    let job = first;
    let event = firstEvent;
    openStreams.set(userId, holding + 1);
    try {
      for (;;) {
        if (event.id !== lastId) send(event);
        if (isFinal(job) || !open) break;
        await new Promise((resolve) => setTimeout(resolve, options.eventsPollMs ?? 250));
        if (!open) break;
        if (Date.now() - lastWrite > KEEPALIVE_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        const next = await findUserJob(db, userId, id);
        if (!next) break; // the user's history was removed while listening
        job = next;
        event = await eventOf(db, job, options.queueSnapshotMs, origin);
      }
    } finally {
      // A database error mid-stream ends the stream; EventSource reconnects with the last id it got.
      res.end();
      const left = (openStreams.get(userId) ?? 1) - 1;
      if (left > 0) openStreams.set(userId, left);
      else openStreams.delete(userId);
    }
  });
  // Not in Phosor: the job's latest live preview (a small PNG after a denoising step), for its owner.
  router.get('/inference/preview/:request_id', async (req: Request<{ request_id: string }>, res: Response) => {
    const userId = authOf(res).user.id;
    const id = req.params.request_id;
    const job = await findUserJob(db, userId, id);
    if (!job) throw new JobNotFoundError(id);
    const preview = await findPreview(db, userId, id);
    if (!preview)
      throw new HttpError(
        404,
        'no_preview',
        `Job ${id} has no preview${job.status === 'queued' ? ' yet: it is queued' : ''}; previews come after each denoising step on models that declare latent.preview_rgb (GET /api/v1/models), and not from upstream providers.`,
      );
    res.set({
      'Content-Type': 'image/png',
      'Cache-Control': 'private, no-store',
      'X-Preview-Step': String(preview.step),
      'X-Preview-Total-Steps': String(preview.totalSteps),
    });
    res.end(Buffer.from(preview.png));
  });
  return router;
}
