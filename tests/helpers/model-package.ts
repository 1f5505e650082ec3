/** Writes small model packages to temporary folders, for tests that need a package on disk but not its graphs. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A manifest whose listed files are the given contents; graph bytes are placeholders, so it cannot run. */
export function manifestFor(id: string, files: Record<string, Uint8Array>): Record<string, unknown> {
  return {
    format: 'phosphene-model/1',
    id,
    name: 'Test package',
    description: 'A package written by a test',
    weights: 'random',
    license: 'Apache-2.0',
    modes: ['text-to-video'],
    tokenizer: { file: 'tokenizer.json', type: 'word-level', max_length: 8 },
    graphs: {
      text_encoder: {
        inputs: { input_ids: { name: 'input_ids', dtype: 'int64' } },
        outputs: { hidden_states: { name: 'hidden_states', dtype: 'float32' } },
        hidden_size: 8,
      },
      denoiser: {
        inputs: {
          latents: { name: 'latents', dtype: 'float32' },
          timestep: { name: 'timestep', dtype: 'float32' },
          encoder_hidden_states: { name: 'encoder_hidden_states', dtype: 'float32' },
        },
        outputs: { velocity: { name: 'velocity', dtype: 'float32' } },
        patch_size: [1, 2, 2],
      },
      vae_decoder: {
        inputs: { latents: { name: 'latents', dtype: 'float32' } },
        outputs: { frames: { name: 'frames', dtype: 'float32' } },
      },
    },
    variants: {
      fp32: { files: { text_encoder: 'te.onnx', denoiser: 'dn.onnx', vae_decoder: 'vd.onnx' }, requires: [] },
    },
    default_variant: 'fp32',
    latent: { channels: 4, spatial_compression: 8, temporal_compression: 4, scaling_factor: 1 },
    scheduler: {
      type: 'flow-match-euler',
      shift: 3,
      num_train_timesteps: 1000,
      default_steps: 4,
      default_guidance_scale: 1,
    },
    resolutions: [{ width: 64, height: 64, max_frames: 17, label: 'test' }],
    frames: { min: 5, default: 5 },
    default_fps: 16,
    files: Object.entries(files).map(([p, bytes]) => ({ path: p, size: bytes.byteLength, sha256: sha256(bytes) })),
  };
}

/** Creates `<root>/<slug>/` with the files and a manifest listing them; returns the root. */
export async function writeTestPackage(slug: string, id: string, root?: string): Promise<string> {
  const base = root ?? (await mkdtemp(path.join(tmpdir(), 'phosphene-models-')));
  const dir = path.join(base, slug);
  await mkdir(dir, { recursive: true });
  const enc = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    'tokenizer.json': enc.encode('{}'),
    'te.onnx': enc.encode('te'),
    'dn.onnx': enc.encode('dn'),
    'vd.onnx': enc.encode('vd'),
  };
  for (const [p, bytes] of Object.entries(files)) await writeFile(path.join(dir, p), bytes);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifestFor(id, files)));
  return base;
}
