/** A finished clip as the history keeps it. Stored records are read back through this schema. */
import { z } from 'zod';
import { storedParamsSchema } from '../../shared/stored-params';

/** The job record stored next to each clip's MP4 blob. */
export const historyRecordSchema = z.object({
  id: z.string().min(1),
  createdAt: z.number(),
  modelId: z.string(),
  modelUrl: z.string(),
  params: storedParamsSchema,
  /** Where it ran: this browser's WebGPU or WASM, Node's CPU, or the server (`server`). */
  device: z.enum(['webgpu', 'wasm', 'cpu', 'server']),
  encoder: z.enum(['webcodecs', 'ffmpeg.wasm', 'server']),
  /** A server job's id on that server, and who ran it there (`local`, or an upstream's name). */
  requestId: z.string().optional(),
  provider: z.string().optional(),
  numFrames: z.number().int().positive(),
  elapsedMs: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

/** One history entry. */
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
