/** A job's LoRA: both safetensors files read from the file store by the keys its `lora_id` names. */
import { loraFileKey } from '../loras/loras';
import type { LoraWeights } from '../../src/shared/protocol';
import { LoraError } from '../../src/shared/errors';
import type { ImageFiles } from './job-image';

/**
 * Reads the two files of LoRA `loraId` at `scale`. A missing file or store is a `LoraError`, which
 * fails the job as `invalid_lora` (refunded); whether the files fit the model is the pipeline's check.
 */
export async function loadJobLora(files: ImageFiles | undefined, loraId: string, scale: number): Promise<LoraWeights> {
  if (!files)
    throw new LoraError(
      `This worker has no file store, so it cannot read LoRA ${loraId}; start it with the API nodes' DATA_DIR/files.`,
    );
  const read = async (part: 'high_noise' | 'low_noise') => {
    try {
      return new Uint8Array(await files.read(loraFileKey(loraId, part)));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new LoraError(
        `The ${part} file of LoRA ${loraId} cannot be read (${reason}); upload it again and resubmit.`,
      );
    }
  };
  return { high_noise: await read('high_noise'), low_noise: await read('low_noise'), scale };
}
