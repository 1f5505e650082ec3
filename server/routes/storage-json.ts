/** The JSON shapes of the storage and LoRA routes (Phosor's doc shows none; see server/routes/README.md). */
import type { z } from 'zod';
import type { imageResponseSchema, loraSchema, loraStatusResponseSchema } from '../../src/shared/storage-schemas';
import type { Lora } from '../loras/loras';
import type { StoredImage } from '../storage/images';

/** An image upload or import: `key` is what a submit's `image_url` takes. */
export const imageJson = (image: StoredImage): z.infer<typeof imageResponseSchema> => ({
  key: image.key,
  image_url: image.key,
  content_type: image.contentType,
  width: image.width,
  height: image.height,
  size_bytes: image.sizeBytes,
  created_at: image.createdAt.toISOString(),
});

/** A LoRA as listed and as uploads and imports answer. */
export const loraJson = (lora: Lora): z.infer<typeof loraSchema> => ({
  lora_id: lora.id,
  name: lora.name,
  status: lora.status,
  source: lora.source,
  error: lora.error,
  high_noise: { size_bytes: lora.bytes.high_noise, url: lora.urls.high_noise },
  low_noise: { size_bytes: lora.bytes.low_noise, url: lora.urls.low_noise },
  created_at: lora.createdAt.toISOString(),
  expires_at: lora.expiresAt.toISOString(),
});

/** `GET /loras/{id}/status`, shaped like the inference status. */
export const loraStatusJson = (lora: Lora): z.infer<typeof loraStatusResponseSchema> => ({
  lora_id: lora.id,
  status: lora.status,
  error: lora.error,
  expires_at: lora.expiresAt.toISOString(),
});
