/**
 * Runs one claimed job: hands its inference to an executor (a supervised worker process) or, when its
 * route has it on an upstream, forwards it there; writes its progress, stores the MP4 and marks the job
 * completed with who ran it. A failure or the execution timeout hands the job to the next provider of its
 * route, or, at the end of the route, fails it and refunds it in one transaction; a worker death re-queues
 * it while it has attempts left, and a job whose claim was lost (swept, cancelled, recovered) is left to
 * whoever took it over.
 */
import type { Database } from '../db/database';
import { currentProvider, type Job } from '../jobs/job';
import {
  advanceRoute,
  completeJob,
  failJob,
  releaseJob,
  retryCrashedJob,
  type JobFailure,
  type JobRan,
} from '../jobs/queue';
import type { VideoStorage } from '../jobs/video-storage';
import type { ModelRegistry } from '../models/registry';
import { InferenceFailedError, WorkerCrashedError, WorkerOutOfMemoryError } from '../inference/errors';
import type { JobExecutor } from '../inference/job-executor';
import { classify } from '../inference/execute-job';
import { estimateJobMemory } from '../../src/pipeline/memory-estimate';
import { progressWriter } from './progress-writer';
import { previewWriter } from './preview-writer';
import type { JobPreview } from '../jobs/previews';
import type { UpstreamClient } from '../upstream/client';
import { forwardJob, type ForwardDeps } from '../upstream/forward';
import { upstreamFailure, withoutRefundNote } from '../upstream/failure';

/** What running a job needs. */
export interface RunJobDeps {
  db: Database;
  registry: ModelRegistry;
  storage: VideoStorage;
  executionTimeoutMs: number;
  /** How often a running job refreshes its heartbeat. */
  heartbeatMs: number;
  /** Claims a job may have had; a job whose worker dies on its last one fails `worker_crashed`. */
  maxAttempts: number;
  /** The configured upstreams by name, for jobs whose route has them on one. */
  upstreams?: ReadonlyMap<string, UpstreamClient>;
  /** Image store and download limits for forwarded jobs. */
  forward?: ForwardDeps;
}

/** How a run ended. */
export type RunOutcome = 'completed' | 'failed' | 'requeued' | 'rerouted' | 'lost' | 'released';

type StopReason = 'timeout' | 'lost' | 'shutdown';

/**
 * Runs `job` (claimed by this worker) on `executor`, or on its upstream when its route has it on one;
 * `shutdown` aborts it and puts it back in the queue.
 */
export async function runJob(
  deps: RunJobDeps,
  executor: JobExecutor | undefined,
  job: Job,
  shutdown?: AbortSignal,
): Promise<RunOutcome> {
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
  const previews = previewWriter(db, job);
  const beat = setInterval(() => progress.heartbeat(), deps.heartbeatMs);
  const fail = (failure: JobFailure) => failJob(db, job.id, failure, job.claimToken ?? undefined);
  const provider = currentProvider(job);
  try {
    if (shutdown?.aborted) stop('shutdown');
    const run = {
      onProgress: (value: number) => progress.set(value),
      onPreview: (preview: JobPreview) => previews.set(preview),
      signal: controller.signal,
    };
    let mp4: Uint8Array;
    let ran: JobRan | undefined;
    if (provider === 'local') {
      const model = registry.bySlug(job.modelSlug);
      if (!model || !executor)
        throw new InferenceFailedError({
          code: 'model_unavailable',
          message: `Model ${job.localModel ?? job.modelId} is no longer installed on this server.`,
        });
      controller.signal.throwIfAborted();
      const request = {
        modelDir: model.dir,
        params: job.params,
        imageKey: job.imageKey,
        loraId: job.loraId,
        loraScale: job.loraScale,
        estimatedPeakMb: estimateJobMemory(model.manifest, job.params),
      };
      mp4 = await executor.execute(job.id, request, run);
    } else {
      const client = deps.upstreams?.get(provider);
      if (!client)
        throw new InferenceFailedError({
          code: 'upstream_unknown',
          message: `Upstream ${provider} is not configured on this worker (UPSTREAMS).`,
        });
      const forwarded = await forwardJob(client, job, deps.forward ?? {}, run);
      mp4 = forwarded.mp4;
      ran = { provider, modelId: forwarded.modelId ?? job.modelId };
    }
    controller.signal.throwIfAborted();
    progress.set(99);
    await progress.flush();
    const key = await storage.write(job.id, mp4);
    if (await completeJob(db, job, key, mp4.byteLength, ran)) return 'completed';
    await storage.remove(key);
    return 'lost';
  } catch (error) {
    if (stopped === 'lost') return 'lost';
    if (stopped === 'shutdown') return (await releaseJob(db, job)) ? 'released' : 'lost';
    if (stopped !== 'timeout' && error instanceof WorkerCrashedError) {
      const failure = {
        code: 'worker_crashed',
        message: `The worker running this job died on each of its ${deps.maxAttempts} attempts (last: ${error.message}); its credits were refunded.`,
      };
      const fate = await retryCrashedJob(db, job, deps.maxAttempts, failure);
      return fate === 'lost' ? 'lost' : fate;
    }
    const failure = failureOf(error, stopped, deps.executionTimeoutMs);
    // The next provider of the route gets the job with its charge; at the route's end it fails and is refunded.
    if (await advanceRoute(db, job, provider, withoutRefundNote(failure))) return 'rerouted';
    return (await fail(withRouteLog(job, provider, failure))) ? 'failed' : 'lost';
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    shutdown?.removeEventListener('abort', onShutdown);
    await progress.flush();
    await previews.flush();
  }
}

/** A routed job's last failure, its message also naming the providers that failed it before. */
function withRouteLog(job: Job, provider: string, failure: JobFailure): JobFailure {
  if (!job.route || job.route.length < 2) return failure;
  const before = job.routeLog.map((e) => `${e.provider}: ${e.message}`);
  return {
    code: failure.code,
    message: `Every provider failed this job; its credits were refunded. ${[...before, `${provider}: ${withoutRefundNote(failure).message}`].join(' | ')}`,
  };
}

function failureOf(error: unknown, stopped: StopReason | undefined, timeoutMs: number): JobFailure {
  if (stopped === 'timeout')
    return {
      code: 'execution_timeout',
      message: `The job ran longer than the execution timeout (${timeoutMs / 1000} s); its credits were refunded.`,
    };
  if (error instanceof WorkerOutOfMemoryError)
    return {
      code: 'out_of_memory',
      message: `${error.message} The job was stopped and its credits were refunded; it is not retried at this size: resubmit with fewer frames or a smaller resolution.`,
    };
  if (error instanceof InferenceFailedError) return error.failure;
  return upstreamFailure(error) ?? classify(error);
}
