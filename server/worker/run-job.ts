/**
 * Runs one claimed job: decode its image (image-to-video), read its LoRA, generate frames with the Node pipeline, encode the MP4, store it, mark the job
 * completed. A failure or the execution timeout fails the job and refunds it in one transaction; a job
 * whose claim was lost (swept, cancelled, recovered) is left to whoever took it over.
 */
import type { Database } from '../db/database';
import type { Job } from '../jobs/job';
import { completeJob, failJob, releaseJob, type JobFailure } from '../jobs/queue';
import type { VideoStorage } from '../jobs/video-storage';
import { generateFramesNode } from '../models/node-generate';
import type { ModelRegistry } from '../models/registry';
import { encodeMp4Node } from '../video/encode-mp4-node';
import { progressOf } from './progress';
import { LoraError } from '../../src/shared/errors';
import { loadJobImage, JobImageError, type ImageFiles } from './job-image';
import { loadJobLora } from './job-lora';
import { progressWriter } from './progress-writer';

/** What running a job needs; `generate` and `encode` are replaceable so tests can make them fail or hang. */
export interface RunJobDeps {
  db: Database;
  registry: ModelRegistry;
  storage: VideoStorage;
  executionTimeoutMs: number;
  /** How often a running job refreshes its heartbeat. */
  heartbeatMs: number;
  /** Uploaded images and LoRA files, for jobs with an `image_url` or `lora_id`; without it such jobs fail (refunded). */
  files?: ImageFiles;
  generate?: typeof generateFramesNode;
  encode?: typeof encodeMp4Node;
}

/** How a run ended. */
export type RunOutcome = 'completed' | 'failed' | 'lost' | 'released';

type StopReason = 'timeout' | 'lost' | 'shutdown';

/** Runs `job` (claimed by this worker) to its end; `shutdown` aborts it and puts it back in the queue. */
export async function runJob(deps: RunJobDeps, job: Job, shutdown?: AbortSignal): Promise<RunOutcome> {
  const { db, registry, storage } = deps;
  const controller = new AbortController();
  let stopped: StopReason | undefined;
  const stop = (reason: StopReason) => {
    stopped ??= reason;
    controller.abort();
  };
  const elapsed = Date.now() - (job.startedAt?.getTime() ?? Date.now());
  const timer = setTimeout(() => stop('timeout'), Math.max(0, deps.executionTimeoutMs - elapsed));
  const onShutdown = () => stop('shutdown');
  shutdown?.addEventListener('abort', onShutdown);
  const progress = progressWriter(db, job, () => stop('lost'));
  const beat = setInterval(() => progress.heartbeat(), deps.heartbeatMs);
  const fail = (failure: JobFailure) => failJob(db, job.id, failure, job.claimToken ?? undefined);
  try {
    if (shutdown?.aborted) stop('shutdown');
    const model = registry.bySlug(job.modelSlug);
    if (!model) {
      await fail({ code: 'model_unavailable', message: `Model ${job.modelId} is no longer installed on this server.` });
      return 'failed';
    }
    const signal = controller.signal;
    const onProgress = (event: Parameters<typeof progressOf>[0]) => {
      const value = progressOf(event);
      if (value !== undefined) progress.set(value);
    };
    // Before loading the model: a bad image fails the job in milliseconds, not after the load.
    const conditioning = job.imageKey === null ? undefined : await loadJobImage(deps.files, job.imageKey);
    const lora = job.loraId === null ? undefined : await loadJobLora(deps.files, job.loraId, job.loraScale ?? 1);
    signal.throwIfAborted();
    const generated = await (deps.generate ?? generateFramesNode)({
      modelDir: model.dir,
      params: job.params,
      conditioning,
      lora,
      onProgress,
      signal,
    });
    const mp4 = await (deps.encode ?? encodeMp4Node)(generated.frames, {
      fps: job.params.frames_per_second,
      signal,
      onFrame: (frame, totalFrames) => onProgress({ type: 'encode-video', frame, totalFrames }),
    });
    signal.throwIfAborted();
    onProgress({ type: 'store' });
    await progress.flush();
    const key = await storage.write(job.id, mp4);
    if (await completeJob(db, job, key)) return 'completed';
    await storage.remove(key);
    return 'lost';
  } catch (error) {
    if (stopped === 'lost') return 'lost';
    if (stopped === 'shutdown') return (await releaseJob(db, job)) ? 'released' : 'lost';
    return (await fail(failureOf(error, stopped, deps.executionTimeoutMs))) ? 'failed' : 'lost';
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    shutdown?.removeEventListener('abort', onShutdown);
    await progress.flush();
  }
}

function failureOf(error: unknown, stopped: StopReason | undefined, timeoutMs: number): JobFailure {
  if (stopped === 'timeout')
    return {
      code: 'execution_timeout',
      message: `The job ran longer than the execution timeout (${timeoutMs / 1000} s); its credits were refunded.`,
    };
  if (error instanceof JobImageError)
    return { code: 'invalid_image', message: `${error.message} Its credits were refunded.` };
  if (error instanceof LoraError)
    return { code: 'invalid_lora', message: `${error.message} Its credits were refunded.` };
  return { code: 'generation_failed', message: `Generation failed (${describe(error)}); its credits were refunded.` };
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
