/**
 * Request and response shapes of the storage and LoRA routes (ours: Phosor shows none; server/routes/README.md).
 * zod/mini, to keep classic zod out of the page's bundle: the OpenAPI document reads them through `classicSchema`,
 * and adds the fields' descriptions (`server/openapi/storage-paths.ts`).
 */
import { z } from './zod-mini';

const url = z.string().check(z.trim(), z.minLength(1), z.maxLength(2048));
const int = () => z.number().check(z.int());

/** Body of `POST /api/v1/storage/image/import`; an unknown field is a 400. */
export const imageImportBodySchema = z.strictObject({ url });

/** Body of `POST /api/v1/storage/lora/import`; https only, an unknown field is a 400. */
export const loraImportBodySchema = z.strictObject({
  high_noise_url: url,
  low_noise_url: url,
  name: z.optional(z.string().check(z.trim(), z.maxLength(100))),
});

/** An uploaded or imported image; `key` (also `image_url`) is what a submit's `image_url` takes. */
export const imageResponseSchema = z.object({
  key: z.string(),
  image_url: z.string(),
  content_type: z.string(),
  width: int(),
  height: int(),
  size_bytes: int(),
  created_at: z.string(),
});

/** A LoRA's processing state. */
export const loraStatusSchema = z.enum(['processing', 'ready', 'failed']);

const loraFile = z.object({ size_bytes: z.nullable(int()), url: z.nullable(z.string()) });

/** A LoRA as listed and as uploads and imports answer. */
export const loraSchema = z.object({
  lora_id: z.string(),
  name: z.string(),
  status: loraStatusSchema,
  source: z.enum(['upload', 'import']),
  error: z.nullable(z.string()),
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
  error: z.nullable(z.string()),
  expires_at: z.string(),
});

/** Answer of `DELETE /api/v1/loras/{lora_id}`. */
export const loraDeletedSchema = z.object({ lora_id: z.string(), deleted: z.literal(true) });
