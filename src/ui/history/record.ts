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
  device: z.enum(['webgpu', 'wasm', 'cpu']),
  encoder: z.enum(['webcodecs', 'ffmpeg.wasm']),
  numFrames: z.number().int().positive(),
  elapsedMs: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

/** One history entry. */
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
