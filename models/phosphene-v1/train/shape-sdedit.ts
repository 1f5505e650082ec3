/**
 * Where does the DiT lose an object's shape? Held-out scenes rendered at the encoder's 128×72×17 are encoded, noised
 * to σ₀ (seeded noise, x = (1 − σ₀)·x₀ + σ₀·ε) and denoised by the package's DiT over the rest of the 4-step schedule
 * with the scene's own prompt, then decoded at 256×144 and read by the evaluator (SDEdit). σ₀ = 0 is the VAE's
 * ceiling and σ₀ = 1 plain text-to-video (from noise alone). If shape survives at σ₀ 0.25 and 0.5 but not from noise,
 * the DiT can draw a shape it is shown but does not pick one from the prompt; if it is lost already at 0.25, the DiT
 * cannot hold the shape's detail at all.
 * Usage: `npx tsx models/phosphene-v1/train/shape-sdedit.ts [--n 64] [--model DIR] [--guidance_scale 1]`
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scoreClip, summarise } from '../../world/evaluate';
import { describeScene, sampleScenes } from '../../world/scene';
import { sceneVideo } from './scene-video';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import { denoise } from '../../../src/pipeline/denoise';
import { encodePrompts } from '../../../src/pipeline/graphs/text-encoder';
import { decodeToFrames } from '../../../src/pipeline/graphs/vae-decoder';
import { encodeVideo } from '../../../src/pipeline/graphs/vae-encoder';
import { promptBatch } from '../../../src/pipeline/guidance';
import { SeededRandom } from '../../../src/pipeline/random';
import { loadModelPackage } from '../../../src/pipeline/model-package/load';
import { createVideoPipeline } from '../../../src/pipeline/video-pipeline';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '64' },
    seed: { type: 'string', default: '2026' },
    guidance_scale: { type: 'string', default: '1' },
    model: { type: 'string', default: path.resolve(import.meta.dirname, '..') },
  },
});
const [W, H, F] = [128, 72, 17];
const STEPS = 4;
const guidance = Number(values.guidance_scale);
const pkg = await loadModelPackage(fsPackageSource(path.resolve(values.model)), {});
const pipe = createVideoPipeline(pkg, ortNodeBackend, await ortNodeBackend.resolveDevice('auto'));
// skip = how many of the 4 steps are left out: σ₀ = 1, 0.75, 0.5, 0.25 (shift 1); 4 = the VAE alone.
const SKIPS = [0, 1, 2, 3, 4];
const read = new Map<number, ReturnType<typeof scoreClip>[]>(SKIPS.map((k) => [k, []]));
let i = 0;
for (const scene of sampleScenes(Number(values.seed), Number(values.n), 'heldout')) {
  const video = sceneVideo(scene, W, H, F);
  const { latents: x0, dims } = await encodeVideo(pipe, video, [1, 3, F, H, W]);
  const prompt = describeScene(scene);
  const text = await encodePrompts(pipe, promptBatch({ prompt, negative_prompt: '', guidance_scale: guidance }));
  const noise = new SeededRandom(1000 + i).normals(x0.length);
  for (const skip of SKIPS) {
    const scheduler = pipe.createScheduler();
    scheduler.setTimesteps(STEPS);
    const sigma0 = scheduler.sigmas[skip]!;
    const latents = x0.map((v, j) => (1 - sigma0) * v + sigma0 * noise[j]!);
    scheduler.sigmas = scheduler.sigmas.slice(skip);
    scheduler.timesteps = scheduler.timesteps.slice(skip);
    if (scheduler.timesteps.length > 0)
      await denoise(pipe, {
        latents,
        latentDims: dims,
        hiddenStates: text.hiddenStates,
        hiddenDims: text.dims,
        guidanceScale: guidance,
        scheduler,
      });
    const { frames } = await decodeToFrames(pipe, latents, dims, 256, 144);
    read.get(skip)!.push(scoreClip(scene, frames));
  }
  process.stderr.write(`\r${++i}/${values.n}`);
}
await pipe.release();
process.stderr.write('\n');
for (const skip of SKIPS) {
  const s = summarise(read.get(skip)!);
  const sigma0 = skip === STEPS ? 0 : 1 - skip / STEPS;
  console.log(
    `σ₀ ${sigma0.toFixed(2)}: ` +
      Object.entries(s.accuracy)
        .map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`)
        .join(', '),
  );
}
