/** Writes a complete model package (graphs, tokenizer, `model.json`) from one configuration. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildDenoiser, type DenoiserConfig } from './denoiser';
import { buildTextEncoder } from './text-encoder';
import { buildTokenizer, type World } from './tokenizer';
import { q4Graphs, Q4_FILES } from './variants';
import { buildVaeDecoder, buildVaeEncoder, type VaeConfig } from './vae';

/** Everything that distinguishes one generated package from another. */
export interface PackageConfig {
  id: string;
  name: string;
  description: string;
  seed: number;
  maxLength: number;
  text: { hidden: number; heads: number; layers: number };
  denoiser: Omit<DenoiserConfig, 'latentChannels' | 'textHidden'>;
  vae: Omit<VaeConfig, 'latentChannels'>;
  latentChannels: number;
  shift: number;
  resolutions: { width: number; height: number; max_frames: number; label: string }[];
  frames: { min: number; default: number };
}

/** What was written, for the build log. */
export interface PackageReport {
  dir: string;
  files: { path: string; size: number; sha256: string; parameters?: number }[];
}

const GRAPHS = {
  text_encoder: 'text_encoder.onnx',
  denoiser: 'denoiser.onnx',
  vae_decoder: 'vae_decoder.onnx',
  vae_encoder: 'vae_encoder.onnx',
} as const;

const f32 = (name: string) => ({ name, dtype: 'float32' as const });

/** Builds every file of the package into `dir` and writes its manifest last. */
export async function writePackage(dir: string, cfg: PackageConfig, world: World): Promise<PackageReport> {
  const C = cfg.latentChannels;
  const tokenizer = buildTokenizer(world, cfg.maxLength);
  // Each graph gets its own seed stream so changing one graph leaves the others' weights alone.
  const graphs = {
    [GRAPHS.text_encoder]: buildTextEncoder(
      { vocabSize: tokenizer.vocab.length, maxLength: cfg.maxLength, ...cfg.text },
      cfg.seed + 1,
    ),
    [GRAPHS.denoiser]: buildDenoiser({ ...cfg.denoiser, latentChannels: C, textHidden: cfg.text.hidden }, cfg.seed + 2),
    [GRAPHS.vae_decoder]: buildVaeDecoder({ ...cfg.vae, latentChannels: C }, cfg.seed + 3),
    [GRAPHS.vae_encoder]: buildVaeEncoder({ ...cfg.vae, latentChannels: C }, cfg.seed + 4),
  };
  const denoiserLora = graphs[GRAPHS.denoiser].lora;
  const contents: [string, Uint8Array, number | undefined][] = [
    ['tokenizer.json', new TextEncoder().encode(`${JSON.stringify(tokenizer)}\n`), undefined],
    ...Object.entries(graphs).map(([p, built]) => [p, built.bytes, built.parameters] as [string, Uint8Array, number]),
    ...q4Graphs({ text_encoder: graphs[GRAPHS.text_encoder].bytes, denoiser: graphs[GRAPHS.denoiser].bytes }).map(
      ([p, bytes]) => [p, bytes, undefined] as [string, Uint8Array, undefined],
    ),
  ];

  await mkdir(dir, { recursive: true });
  const files: PackageReport['files'] = [];
  for (const [p, bytes, parameters] of contents) {
    await writeFile(path.join(dir, p), bytes);
    files.push({
      path: p,
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      ...(parameters === undefined ? {} : { parameters }),
    });
  }

  const manifest = {
    format: 'phosphene-model/1',
    id: cfg.id,
    name: cfg.name,
    description: cfg.description,
    weights: 'random',
    license: 'Apache-2.0',
    modes: ['text-to-video', 'image-to-video'],
    tokenizer: { file: 'tokenizer.json', type: 'word-level', max_length: cfg.maxLength },
    graphs: {
      text_encoder: {
        inputs: { input_ids: { name: 'input_ids', dtype: 'int64' } },
        outputs: { hidden_states: f32('hidden_states') },
        hidden_size: cfg.text.hidden,
      },
      denoiser: {
        inputs: {
          latents: f32('latents'),
          timestep: f32('timestep'),
          encoder_hidden_states: f32('encoder_hidden_states'),
        },
        outputs: { velocity: f32('velocity') },
        patch_size: [1, 2, 2],
        // Wan 2.2 hands over from its high-noise to its low-noise expert at a noise level; LoRA files
        // follow the same split.
        lora: { ...denoiserLora, boundary_sigma: 0.5 },
      },
      vae_decoder: { inputs: { latents: f32('latents') }, outputs: { frames: f32('frames') } },
      vae_encoder: { inputs: { frames: f32('frames') }, outputs: { latents: f32('latents') } },
    },
    variants: {
      fp32: { files: { ...GRAPHS }, requires: [] },
      q4: { files: { ...GRAPHS, ...Q4_FILES }, requires: [] },
    },
    default_variant: 'fp32',
    latent: { channels: C, spatial_compression: 8, temporal_compression: 4, scaling_factor: 1.0 },
    scheduler: {
      type: 'flow-match-euler',
      shift: cfg.shift,
      num_train_timesteps: 1000,
      default_steps: 4,
      default_guidance_scale: 1.0,
    },
    resolutions: cfg.resolutions,
    frames: cfg.frames,
    default_fps: 16,
    files: files.map(({ path: p, size, sha256 }) => ({ path: p, size, sha256 })),
  };
  await writeFile(path.join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, files };
}
