/** A finished clip as the history keeps it. Stored records are read back through this schema. */
import { z } from 'zod';
import { clipStepSchema } from '../../shared/edit-ops';
import { storedParamsSchema } from '../../shared/stored-params';
import { PARAM_LIMITS } from '../../shared/video-rules';

/** The job record stored next to each clip's MP4 blob. */
export const historyRecordSchema = z.object({
  id: z.string().min(1),
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
  requestId: z.string().optional(),
  provider: z.string().optional(),
  /** For an edited or extended clip: the clip it was made from, and every step since generation, in order. */
  sourceId: z.string().optional(),
  edits: z.array(clipStepSchema).optional(),
  /** The LoRA the clip was made with: its files' or the server's name, and its scale. */
  lora: z
    .object({
      name: z.string().max(300),
      scale: z.number().min(PARAM_LIMITS.minLoraScale).max(PARAM_LIMITS.maxLoraScale),
    })
    .optional(),
  /** When the server confirmed it holds this clip (recipe and MP4); absent: not synced yet. */
  syncedAt: z.number().optional(),
  numFrames: z.number().int().positive(),
  elapsedMs: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

/** One history entry. */
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
