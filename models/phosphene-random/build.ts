/**
 * `npm run models:build`: regenerates the built-in random-weight package (models/phosphene-random)
 * and the tiny CI fixture (tests/fixtures/models/phosphene-tiny). Deterministic: the same source
 * gives byte-identical files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePackage, type PackageConfig } from './package';
import type { World } from './tokenizer';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The built-in skeleton model: the real architecture at a small width, random weights. */
export const RANDOM_PACKAGE: PackageConfig = {
  id: 'phosphene/random-v0/text-to-video',
  name: 'Phosphene random v0',
  description:
    'Untrained skeleton of the Phosphene video model: random (seeded) weights, so it produces structured noise, not the prompt. It has the real I/O contract and architecture (factorised-attention video DiT, causal (2+1)D VAE) until a trained export replaces it.',
  seed: 20261101,
  maxLength: 32,
  text: { hidden: 64, heads: 4, layers: 2 },
  denoiser: { width: 64, heads: 4, blocks: 2, posSplit: [16, 24, 24] },
  vae: { channels: [32, 32, 16, 8] },
  latentChannels: 4,
  shift: 3.0,
  resolutions: [
    { width: 854, height: 480, max_frames: 161, label: '480p landscape' },
    { width: 480, height: 854, max_frames: 161, label: '480p portrait' },
    { width: 1280, height: 720, max_frames: 161, label: '720p landscape' },
    { width: 720, height: 1280, max_frames: 161, label: '720p portrait' },
    { width: 1920, height: 1080, max_frames: 153, label: '1080p landscape' },
    { width: 1080, height: 1920, max_frames: 153, label: '1080p portrait' },
    { width: 256, height: 144, max_frames: 81, label: '144p landscape (CPU)' },
    { width: 144, height: 256, max_frames: 81, label: '144p portrait (CPU)' },
  ],
  frames: { min: 5, default: 17 },
};

/** The CI fixture: same builder, a few tens of thousands of parameters, fast even on SwiftShader. */
export const TINY_PACKAGE: PackageConfig = {
  id: 'phosphene/tiny-test/text-to-video',
  name: 'Phosphene tiny test',
  description:
    'Test fixture with random (seeded) weights and the Phosphene architecture at the smallest useful size; for CI, not for viewing.',
  seed: 17,
  maxLength: 32,
  text: { hidden: 32, heads: 2, layers: 1 },
  denoiser: { width: 32, heads: 2, blocks: 1, posSplit: [8, 12, 12] },
  vae: { channels: [8, 8, 8, 8] },
  latentChannels: 4,
  shift: 1.0,
  resolutions: [
    { width: 64, height: 64, max_frames: 17, label: '64² test' },
    { width: 128, height: 72, max_frames: 17, label: '128×72 test' },
  ],
  frames: { min: 5, default: 5 },
};

async function main(): Promise<void> {
  const world = JSON.parse(await readFile(path.join(root, 'models/world/world.json'), 'utf8')) as World;
  for (const [dir, cfg] of [
    ['models/phosphene-random', RANDOM_PACKAGE],
    ['tests/fixtures/models/phosphene-tiny', TINY_PACKAGE],
  ] as const) {
    const report = await writePackage(path.join(root, dir), cfg, world);
    console.log(`${cfg.id} → ${dir}`);
    for (const f of report.files) {
      const params = f.parameters === undefined ? '' : `  ${f.parameters.toLocaleString('en-US')} parameters`;
      console.log(`  ${f.path.padEnd(18)} ${String(f.size).padStart(9)} B  ${f.sha256.slice(0, 16)}${params}`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
