/** Writes and removes a LoRA's two files, checking each as safetensors while it streams to disk. */
import type { Readable, Transform } from 'node:stream';
import { HttpError } from '../http-error';
import { SafetensorsError } from '../safetensors/errors';
import { SafetensorsCheck } from '../safetensors/stream-check';
import type { FileStore } from '../storage/file-store';
import { LORA_PARTS, loraFileKey, type LoraPart } from './loras';

/** Streams one part to the store through the safetensors check (and `tap`, e.g. a hash); a bad file is a 400 naming the part. */
export async function writeLoraFile(
  files: FileStore,
  loraId: string,
  part: LoraPart,
  source: Readable,
  maxBytes: number,
  tap?: Transform,
): Promise<number> {
  try {
    return await files.writeStream(loraFileKey(loraId, part), source, {
      maxBytes,
      transforms: tap ? [new SafetensorsCheck(), tap] : [new SafetensorsCheck()],
    });
  } catch (error) {
    if (error instanceof SafetensorsError)
      throw new HttpError(400, 'invalid_safetensors', `Invalid LoRA: ${part}: ${error.message}`);
    throw error;
  }
}

/** Removes both files of a LoRA (missing ones are fine). */
export async function removeLoraFiles(files: FileStore, loraId: string): Promise<void> {
  for (const part of LORA_PARTS) await files.delete(loraFileKey(loraId, part));
}
