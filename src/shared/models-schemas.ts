/** The answer of Phosor's `GET /api/v1/models`. */
import { z } from 'zod';

/** Phosor's model entry: one per package and mode; `metadata` is ours (resolutions, frames, defaults). */
export const phosorModelSchema = z.object({
  model_id: z.string(),
  description: z.string(),
  model_type: z.literal('video'),
  model_mode: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  alias_of: z
    .string()
    .optional()
    .meta({ description: 'Ours: this id is served by that model of this server, not by the model it names.' }),
});

/** Answer of `GET /api/v1/models`. */
export const modelsResponseSchema = z.object({ models: z.array(phosorModelSchema) });
