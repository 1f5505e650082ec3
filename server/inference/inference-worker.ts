/**
 * An inference worker process: the only kind of process that loads onnxruntime-node on a server. The
 * supervisor (`worker-process.ts`) forks it, sends one job at a time over IPC and owns everything else
 * (the database, claims, refunds). It keeps pipelines loaded between jobs (`pipeline-cache.ts`).
 * Environment: PHOSPHENE_FILES_DIR (uploads and LoRAs), INFERENCE_IDLE_MS, WORKER_MEMORY_MB.
 */
import { DiskFileStore } from '../storage/file-store';
import { pipelineCache } from '../models/pipeline-cache';
import { classify, executeJob } from './execute-job';
import { resetOwnPeak } from './memory-sample';
import type { FromWorker, ToWorker } from './protocol';

const send = (message: FromWorker) => process.send?.(message);
const filesDir = process.env.PHOSPHENE_FILES_DIR;
const files = filesDir ? await DiskFileStore.open(filesDir) : undefined;
const budgetMb = Number(process.env.WORKER_MEMORY_MB) || Infinity;
const cache = pipelineCache({ idleMs: Number(process.env.INFERENCE_IDLE_MS) || 300_000 });
let current: { jobId: string; controller: AbortController } | undefined;

async function run(jobId: string, request: Extract<ToWorker, { type: 'run' }>['request']): Promise<void> {
  const controller = new AbortController();
  current = { jobId, controller };
  try {
    // Cached pipelines hold memory; drop them when they and this job together would not fit the budget.
    const estimate = request.estimatedPeakMb ?? 0;
    if (cache.size() > 0 && process.memoryUsage().rss / 2 ** 20 + estimate > budgetMb) await cache.releaseAll();
    await resetOwnPeak();
    const mp4 = await executeJob({ files, generate: cache.generate }, request, {
      onProgress: (progress) => send({ type: 'progress', jobId, progress }),
      onPreview: (preview) => send({ type: 'preview', jobId, preview }),
      signal: controller.signal,
    });
    send({ type: 'done', jobId, mp4 });
  } catch (error) {
    send({ type: 'failed', jobId, failure: controller.signal.aborted ? ABORTED : classify(error) });
  } finally {
    current = undefined;
  }
}

const ABORTED = { code: 'aborted', message: 'The supervisor aborted the job.' };

process.on('message', (message: ToWorker) => {
  if (message.type === 'run') void run(message.jobId, message.request);
  else if (message.type === 'abort' && current?.jobId === message.jobId) current.controller.abort();
});
// Ctrl-C reaches the whole process group: the supervisor decides when this process ends, not the terminal.
process.on('SIGINT', () => undefined);
// The supervisor is gone (it exited or crashed): nothing can use this process's work any more.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
