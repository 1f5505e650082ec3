/**
 * The form's LoRA: none, a pair of .safetensors files from disk, or one of the caller's LoRAs on the server,
 * and its scale. Files from disk run on this device and are uploaded when the job runs on the server; a
 * server LoRA runs only there (Phosor serves no LoRA files back).
 */
import type { LoraWeights } from '../../shared/protocol';
import { PARAM_LIMITS, PARAM_RULES } from '../../shared/video-rules';
import type { FieldError } from '../models/validate-params';
import type { LoraEntry } from '../server/phosor-client';

export type LoraSource = 'none' | 'files' | 'server';

/** What a job carries of the form's LoRA. */
export type LoraChoice =
  | { kind: 'files'; name: string; scale: number; high_noise: File; low_noise: File }
  | { kind: 'server'; name: string; scale: number; loraId: string };

const SCALE_MESSAGE = `LoRA scale: ${PARAM_RULES.lora_scale}.`;

export class LoraSlot {
  source = $state<LoraSource>('none');
  highNoise = $state.raw<File | null>(null);
  lowNoise = $state.raw<File | null>(null);
  serverId = $state('');
  scale = $state(1);
  /** The caller's ready LoRAs on the server (empty without a server). */
  serverLoras = $state.raw<LoraEntry[]>([]);

  /** The choice a job would carry, or the problems that stop it; `onServer`: where the job runs. */
  choice(onServer: boolean): { choice?: LoraChoice; errors: FieldError[] } {
    if (this.source === 'none') return { errors: [] };
    const scale = Number(this.scale);
    const errors: FieldError[] = [];
    if (!(scale >= PARAM_LIMITS.minLoraScale && scale <= PARAM_LIMITS.maxLoraScale))
      errors.push({ field: 'lora_scale', message: SCALE_MESSAGE });
    if (this.source === 'files') {
      const { highNoise, lowNoise } = this;
      if (!highNoise || !lowNoise)
        errors.push({
          field: 'lora',
          message: 'Pick both files of the LoRA: high_noise and low_noise (.safetensors), or choose "no LoRA".',
        });
      else if (![highNoise, lowNoise].every((f) => f.name.toLowerCase().endsWith('.safetensors')))
        errors.push({ field: 'lora', message: 'LoRA files are .safetensors files (Phosor’s format); pick those.' });
      if (errors.length || !highNoise || !lowNoise) return { errors };
      const name = highNoise.name === 'high_noise.safetensors' ? 'LoRA from disk' : highNoise.name;
      return { choice: { kind: 'files', name, scale, high_noise: highNoise, low_noise: lowNoise }, errors };
    }
    const entry = this.serverLoras.find((l) => l.lora_id === this.serverId);
    if (!entry) errors.push({ field: 'lora', message: 'Choose one of your LoRAs on the server, or choose "no LoRA".' });
    else if (!onServer)
      errors.push({
        field: 'lora',
        message: `"${entry.name}" is stored on the server, so the job must run there: set Run on to "server", or pick the LoRA's two files from disk.`,
      });
    if (errors.length || !entry) return { errors };
    return { choice: { kind: 'server', name: entry.name, scale, loraId: entry.lora_id }, errors };
  }

  /** Puts a past clip's LoRA scale back (its files must be picked again; a name is not a file). */
  restore(lora: { scale: number } | undefined): void {
    if (lora) this.scale = lora.scale;
  }
}

/** The bytes the worker applies, read from the files for this job (they are transferred, not shared). */
export async function loraWeights(choice: Extract<LoraChoice, { kind: 'files' }>): Promise<LoraWeights> {
  const [high, low] = await Promise.all([choice.high_noise.arrayBuffer(), choice.low_noise.arrayBuffer()]);
  return { high_noise: new Uint8Array(high), low_noise: new Uint8Array(low), scale: choice.scale, name: choice.name };
}
