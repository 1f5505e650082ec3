/**
 * The seam between jobs and image/LoRA storage: a submit's `image_url` must be a key of the caller's
 * uploaded image and its `lora_id` one of the caller's non-deleted, ready LoRAs. Storage provides the
 * lookups; until it is wired in, `noStoredAssets` knows none, so both answer 404.
 */
import type { Queryable } from '../db/database';
import { HttpError } from '../http-error';

/** How jobs find a user's uploaded assets. */
export interface AssetLookups {
  /** The caller's uploaded image with this key, or undefined (never another user's). */
  findImage(q: Queryable, userId: string, key: string): Promise<{ key: string } | undefined>;
  /** The caller's LoRA with this id unless deleted, with its processing state, or undefined. */
  findLora(q: Queryable, userId: string, loraId: string): Promise<{ id: string; ready: boolean } | undefined>;
}

/** Lookups for a server without asset storage: no image or LoRA exists. */
export const noStoredAssets: AssetLookups = {
  findImage: async () => undefined,
  findLora: async () => undefined,
};

/** Checks the submit's image and LoRA against the caller's assets: 404 for unknown, deleted or unready ones. */
export async function checkAssets(
  q: Queryable,
  lookups: AssetLookups,
  userId: string,
  assets: { imageKey?: string; loraId?: string },
): Promise<void> {
  if (assets.imageKey !== undefined && !(await lookups.findImage(q, userId, assets.imageKey)))
    throw new HttpError(
      404,
      'image_not_found',
      `image_url: no image with key "${assets.imageKey}" among your uploads; upload one with POST /api/v1/storage/image/upload and use the key it returns.`,
    );
  if (assets.loraId === undefined) return;
  const lora = await lookups.findLora(q, userId, assets.loraId);
  if (!lora)
    throw new HttpError(
      404,
      'lora_not_found',
      `lora_id: no LoRA "${assets.loraId}" among your LoRAs (GET /api/v1/loras).`,
    );
  if (!lora.ready)
    throw new HttpError(
      404,
      'lora_not_found',
      `lora_id: LoRA "${assets.loraId}" is not ready yet; poll GET /api/v1/loras/${assets.loraId}/status until it is.`,
    );
}
