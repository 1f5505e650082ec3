/** `GET /api/v1/system-info`: this node's machine, queue and worker processes (behind `requireApiKey`). */
import { Router } from 'express';
import os from 'node:os';
import type { SystemInfo } from '../../src/shared/system-schemas';
import { toInt, type Database } from '../db/database';
import type { WorkerState } from '../inference/worker-process';
import { DEFAULT_QUEUE_CAPACITY } from '../jobs/job-store';
import type { ModelRegistry } from '../models/registry';
import { modelIdFor } from './models';

/** What the route reads besides the database and the models. */
export interface SystemInfoSources {
  version?: string;
  queueCapacity?: number;
  memoryBudgetMb?: number;
  /** This node's inference worker processes; absent on an API-only node. */
  workers?(): WorkerState[];
}

const gb = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;

/** The system-info router; mount behind `requireApiKey`. */
export function systemInfoRouter(db: Database, registry: ModelRegistry, sources: SystemInfoSources): Router {
  const router = Router();
  router.get('/system-info', async (_req, res) => {
    const { rows } = await db.query<{ queued: unknown; processing: unknown }>(
      `SELECT COUNT(*) FILTER (WHERE status = 'queued') AS queued,
         COUNT(*) FILTER (WHERE status = 'processing') AS processing
       FROM jobs WHERE status IN ('queued', 'processing')`,
    );
    const info: SystemInfo = {
      version: sources.version ?? '0.0.0',
      backend: 'onnxruntime-node (cpu)',
      cuda_available: false,
      device_name: os.cpus()[0]?.model ?? 'unknown',
      cpu_count: os.availableParallelism(),
      load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
      ram_total_gb: gb(os.totalmem()),
      ram_available_gb: gb(os.freemem()),
      api_process_rss_mb: Math.round(process.memoryUsage.rss() / 2 ** 20),
      queue: {
        queued: toInt(rows[0]!.queued),
        processing: toInt(rows[0]!.processing),
        capacity: sources.queueCapacity ?? DEFAULT_QUEUE_CAPACITY,
      },
      workers: {
        memory_budget_mb: sources.memoryBudgetMb ?? null,
        processes: (sources.workers?.() ?? []).map((w) => ({ pid: w.pid, busy: w.busy, rss_mb: w.rssMb })),
      },
      models: registry.models.flatMap((model) => model.manifest.modes.map((mode) => modelIdFor(model, mode))),
    };
    res.json(info);
  });
  return router;
}
