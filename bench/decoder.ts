/**
 * The VAE decoder alone (Node, CPU, the default variant) at each preset's size, for the shipped package and,
 * with `DECODER_BASE=<package folder>` (e.g. an earlier export: `git archive <rev> models/phosphene-v1 | tar -x
 * -C /tmp/base`), beside that one as a ratio from the same run. Rounds alternate between the packages; the best
 * of the timed rounds is reported (the first round compiles and is not timed).
 */
import { ortNodeBackend } from '../server/inference/ort-node';
import { fsPackageSource } from '../server/models/fs-package-source';
import { decodeFrames } from '../src/pipeline/graphs/vae-decoder';
import { loadModelPackage } from '../src/pipeline/model-package/load';
import { createVideoPipeline } from '../src/pipeline/video-pipeline';

const dirs = ['models/phosphene-v1', ...(process.env.DECODER_BASE ? [process.env.DECODER_BASE] : [])];
const pipes = await Promise.all(
  dirs.map(async (dir) => createVideoPipeline(await loadModelPackage(fsPackageSource(dir)), ortNodeBackend, 'cpu')),
);
/** [width, height, latent frames]: 1 + 4 (t − 1) video frames. */
const SIZES = [
  [256, 144, 5],
  [854, 480, 5],
  [1280, 720, 3],
  [1920, 1080, 3],
] as const;
const ROUNDS = 3;
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [w, h, t] of SIZES) {
    for (const [i, pipe] of pipes.entries()) {
      const dims = [1, 16, t, 9, 16];
      const latents = Float32Array.from({ length: 16 * t * 144 }, (_, k) => Math.sin(k * 0.37));
      const started = performance.now();
      await decodeFrames(pipe, latents, dims, w, h, async () => {});
      const ms = performance.now() - started;
      const key = `${w}×${h}×${1 + 4 * (t - 1)} ${i}`;
      if (round > 0) best.set(key, Math.min(ms, best.get(key) ?? Infinity));
    }
  }
}
console.log(`VAE decode, node cpu, best of ${ROUNDS - 1} rounds: ${dirs.join(' vs ')}`);
for (const [w, h, t] of SIZES) {
  const size = `${w}×${h}×${1 + 4 * (t - 1)}`;
  const ms = dirs.map((_, i) => best.get(`${size} ${i}`)!);
  const ratio = ms.length > 1 ? `  (${(ms[0]! / ms[1]!).toFixed(2)}× the base)` : '';
  console.log(`${size.padEnd(16)} ${ms.map((m) => `${m.toFixed(0).padStart(6)} ms`).join('  ')}${ratio}`);
}
await Promise.all(pipes.map((p) => p.release()));
