/** Answer of `GET /api/v1/system-info`: what this server node has and is doing (ours, after local video services). */
import { z } from 'zod';

export const systemInfoSchema = z.object({
  version: z.string(),
  backend: z.string().meta({ description: 'The inference runtime, e.g. `onnxruntime-node (cpu)`.' }),
  cuda_available: z.boolean(),
  device_name: z.string().meta({ description: 'The CPU model (inference runs on the CPU).' }),
  cpu_count: z.number().int(),
  load_average_1m: z.number(),
  ram_total_gb: z.number(),
  ram_available_gb: z.number(),
  api_process_rss_mb: z.number().int(),
  queue: z.object({
    queued: z.number().int().meta({ description: 'Jobs waiting, on every node together.' }),
    processing: z.number().int().meta({ description: 'Jobs running, on every node together.' }),
    capacity: z.number().int().meta({ description: 'Queued jobs accepted before submit answers 503.' }),
  }),
  workers: z.object({
    memory_budget_mb: z.number().int().nullable().meta({ description: 'What each worker process may use.' }),
    processes: z
      .array(z.object({ pid: z.number().int().nullable(), busy: z.boolean(), rss_mb: z.number().int().nullable() }))
      .meta({ description: 'This node’s inference worker processes (none on an API-only node).' }),
  }),
  models: z.array(z.string()).meta({ description: 'The model ids served (GET /api/v1/models has the details).' }),
});

export type SystemInfo = z.infer<typeof systemInfoSchema>;
