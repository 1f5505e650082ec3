/** A finished clip as the history keeps it. Stored records are read back through this schema. */
import { z } from '../../shared/zod-mini';
import { clipRecipeSchema } from '../../shared/clip-recipe';
import { storedParamsSchema } from '../../shared/stored-params';

/** The job record stored next to each clip's MP4 blob. */
export const historyRecordSchema = z.object({
  id: z.string().check(z.minLength(1)),
  createdAt: z.number(),
  modelId: z.string(),
  modelUrl: z.string(),
  params: storedParamsSchema,
  /**
   * Where it ran: this browser's WebGPU or WASM, Node's CPU, the server, or another of the user's
   * devices (`elsewhere`: a clip that came in by gallery sync, whose encoder this one cannot know).
   */
  device: z.enum(['webgpu', 'wasm', 'cpu', 'server', 'elsewhere']),
  encoder: z.enum(['webcodecs', 'ffmpeg.wasm', 'server', 'unknown']),
  /** A server job's id on that server, and who ran it there (`local`, or an upstream's name). */
  requestId: z.optional(z.string()),
  provider: z.optional(z.string()),
  /** `sourceId`, `edits` and `lora`: what gallery sync sends with the clip (see clip-recipe.ts). */
  ...clipRecipeSchema.shape,
  /** When the server confirmed it holds this clip (recipe and MP4); absent: not synced yet. */
  syncedAt: z.optional(z.number()),
  numFrames: z.number().check(z.int(), z.positive()),
  elapsedMs: z.number().check(z.nonnegative()),
  bytes: z.number().check(z.int(), z.nonnegative()),
});

/** One history entry. */
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
