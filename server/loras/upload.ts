/** `POST /storage/lora/upload`: two safetensors parts streamed to disk, checked and hashed on the way. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Request } from 'express';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { readMultipart } from '../storage/multipart';
import { checkStorageQuota } from '../storage/quota';
import type { StorageSettings } from '../storage/options';
import { removeLoraFiles, writeLoraFile } from './files';
import { discardLora, markLoraFailed, markLoraReady, reserveLora } from './lifecycle';
import { LORA_PARTS, type Lora, type LoraPart } from './loras';

/** Passes bytes through, hashing them. */
class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** A stored upload and the fingerprint of what was sent (both parts' sha256 and the name), for Idempotency-Key. */
export interface UploadedLora {
  lora: Lora;
  fingerprint: string;
}

/** Reserves a LoRA slot, stores both parts and marks it ready; on any failure discards it and rethrows. */
export async function uploadLora(
  db: Database,
  settings: StorageSettings,
  userId: string,
  req: Request,
): Promise<UploadedLora> {
  await checkStorageQuota(db, userId, settings.storageQuotaBytes);
  const lora = await reserveLora(db, { userId, source: 'upload' });
  const bytes: Partial<Record<LoraPart, number>> = {};
  const hashes: Partial<Record<LoraPart, string>> = {};
  const rule = { maxBytes: settings.maxLoraBytes, extensions: ['.safetensors'] };
  try {
    const fields = await readMultipart(
      req,
      { files: { high_noise: rule, low_noise: rule }, required: [...LORA_PARTS], fields: { name: 100 } },
      async (part, stream) => {
        const tap = new HashTap();
        bytes[part] = await writeLoraFile(settings.files, lora.id, part, stream, settings.maxLoraBytes, tap);
        hashes[part] = tap.hash.digest('hex');
      },
    );
    await checkStorageQuota(db, userId, settings.storageQuotaBytes, bytes.high_noise! + bytes.low_noise!);
    const ready = await markLoraReady(db, lora.id, {
      bytes: { high_noise: bytes.high_noise!, low_noise: bytes.low_noise! },
      name: fields.name?.trim(),
    });
    if (!ready) throw new HttpError(404, 'not_found', `LoRA ${lora.id} was deleted while it was uploading.`);
    const sent = LORA_PARTS.map((p) => `${p}:${bytes[p]}:${hashes[p]}`).join('\n');
    const fingerprint = createHash('sha256')
      .update(`${sent}\nname:${fields.name?.trim() ?? ''}`)
      .digest('hex');
    return { lora: ready, fingerprint };
  } catch (error) {
    await discardUpload(db, settings, lora.id, (error as Error).message);
    throw error;
  }
}

/** Removes an upload's LoRA and files (a failed upload, or a retry whose first attempt already stored it). */
export async function discardUpload(
  db: Database,
  settings: StorageSettings,
  loraId: string,
  why: string,
): Promise<void> {
  await markLoraFailed(db, loraId, why, true);
  await discardLora(db, loraId);
  await removeLoraFiles(settings.files, loraId);
}
