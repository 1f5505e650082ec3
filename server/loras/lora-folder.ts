/** A LoRA pair kept as a folder (`high_noise.safetensors`, `low_noise.safetensors`), as the CLI and the evaluator take it. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LoraError } from '../../src/shared/errors';
import type { LoraWeights } from '../../src/shared/protocol';

/** Reads both files of the pair in `dir` at `scale`; whether they fit the model is the pipeline's check. */
export async function readLoraFolder(dir: string, scale: number): Promise<LoraWeights> {
  const read = async (part: 'high_noise' | 'low_noise') => {
    const file = path.join(dir, `${part}.safetensors`);
    return new Uint8Array(
      await readFile(file).catch(() => {
        throw new LoraError(
          `cannot read ${file}: --lora names a folder holding high_noise.safetensors and low_noise.safetensors.`,
        );
      }),
    );
  };
  return { high_noise: await read('high_noise'), low_noise: await read('low_noise'), scale };
}
