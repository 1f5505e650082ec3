/**
 * The shape of generation parameters read back from storage (history records, a clip's recipe): types
 * and signs only, since the values were checked when the job ran and are checked again before a re-run.
 */
import { z } from './zod-mini';

/** Every field of `GenerateParams`, as stored. */
export const storedParamsSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string(),
  width: z.number().check(z.int(), z.positive()),
  height: z.number().check(z.int(), z.positive()),
  num_frames: z.number().check(z.int(), z.positive()),
  num_inference_steps: z.number().check(z.int(), z.positive()),
  guidance_scale: z.number(),
  seed: z.number().check(z.int(), z.nonnegative()),
  frames_per_second: z.number().check(z.int(), z.positive()),
});
