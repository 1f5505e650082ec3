/** `POST /storage/lora/upload`: two safetensors parts streamed to disk and checked on the way. */
import type { Request } from 'express';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { readMultipart } from '../storage/multipart';
import { checkStorageQuota } from '../storage/quota';
import type { StorageSettings } from '../storage/options';
import { removeLoraFiles, writeLoraFile } from './files';
import { markLoraFailed, markLoraReady, reserveLora } from './lifecycle';
import { LORA_PARTS, type Lora, type LoraPart } from './loras';

/** Reserves a LoRA slot, stores both parts and marks it ready; on any failure discards it and rethrows. */
export async function uploadLora(db: Database, settings: StorageSettings, userId: string, req: Request): Promise<Lora> {
  await checkStorageQuota(db, userId, settings.storageQuotaBytes);
  const lora = await reserveLora(db, { userId, source: 'upload' });
  const bytes: Partial<Record<LoraPart, number>> = {};
  const rule = { maxBytes: settings.maxLoraBytes, extensions: ['.safetensors'] };
  try {
    const fields = await readMultipart(
      req,
      { files: { high_noise: rule, low_noise: rule }, required: [...LORA_PARTS], fields: { name: 100 } },
      async (part, stream) => {
        bytes[part] = await writeLoraFile(settings.files, lora.id, part, stream, settings.maxLoraBytes);
      },
    );
    await checkStorageQuota(db, userId, settings.storageQuotaBytes, bytes.high_noise! + bytes.low_noise!);
    const ready = await markLoraReady(db, lora.id, {
      bytes: { high_noise: bytes.high_noise!, low_noise: bytes.low_noise! },
      name: fields.name?.trim(),
    });
    if (!ready) throw new HttpError(404, 'not_found', `LoRA ${lora.id} was deleted while it was uploading.`);
    return ready;
  } catch (error) {
    await markLoraFailed(db, lora.id, (error as Error).message, true);
    await removeLoraFiles(settings.files, lora.id);
    throw error;
  }
}
