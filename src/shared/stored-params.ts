/**
 * The shape of generation parameters read back from storage (history records, a clip's recipe): types
 * and signs only, since the values were checked when the job ran and are checked again before a re-run.
 */
import { z } from 'zod';

/** Every field of `GenerateParams`, as stored. */
export const storedParamsSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  num_frames: z.number().int().positive(),
  num_inference_steps: z.number().int().positive(),
  guidance_scale: z.number(),
  seed: z.number().int().nonnegative(),
  frames_per_second: z.number().int().positive(),
});
