/** Request and response shapes of the storage and LoRA routes (ours: Phosor shows none; server/routes/README.md). */
import { z } from 'zod';

const url = z.string().trim().min(1).max(2048);

/** Body of `POST /api/v1/storage/image/import`; an unknown field is a 400. */
export const imageImportBodySchema = z.strictObject({
  url: url.meta({ description: 'A public http(s) URL, ≤ 10 MiB' }),
});

/** Body of `POST /api/v1/storage/lora/import`; https only, an unknown field is a 400. */
export const loraImportBodySchema = z.strictObject({
  high_noise_url: url,
  low_noise_url: url,
  name: z.string().trim().max(100).optional(),
});

/** An uploaded or imported image; `key` (also `image_url`) is what a submit's `image_url` takes. */
export const imageResponseSchema = z.object({
  key: z.string(),
  image_url: z.string(),
  content_type: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  size_bytes: z.number().int(),
  created_at: z.string(),
});

/** A LoRA's processing state. */
export const loraStatusSchema = z.enum(['processing', 'ready', 'failed']);

const loraFile = z.object({ size_bytes: z.number().int().nullable(), url: z.string().nullable() });

/** A LoRA as listed and as uploads and imports answer. */
export const loraSchema = z.object({
  lora_id: z.string(),
  name: z.string(),
  status: loraStatusSchema,
  source: z.enum(['upload', 'import']),
  error: z.string().nullable(),
  high_noise: loraFile,
  low_noise: loraFile,
  created_at: z.string(),
  expires_at: z.string(),
});

/** Answer of `GET /api/v1/loras`: newest first, without deleted or expired ones. */
export const lorasResponseSchema = z.object({ loras: z.array(loraSchema) });

/** Answer of `GET /api/v1/loras/{lora_id}/status`. */
export const loraStatusResponseSchema = z.object({
  lora_id: z.string(),
  status: loraStatusSchema,
  error: z.string().nullable(),
  expires_at: z.string(),
});

/** Answer of `DELETE /api/v1/loras/{lora_id}`. */
export const loraDeletedSchema = z.object({ lora_id: z.string(), deleted: z.literal(true) });
