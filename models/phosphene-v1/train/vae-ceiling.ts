/**
 * The VAE's ceiling on the evaluator: held-out scenes rendered at the encoder's size (128×72×17), encoded
 * and decoded at 256×144 by the package's own ONNX graphs, then read by the evaluator. No attribute can
 * score higher after the DiT than it does here, and its judder is the decoder's own. Usage: `npx tsx models/phosphene-v1/train/vae-ceiling.ts [--n 64] [--model DIR]`
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scoreClip, summarise } from '../../world/evaluate';
import { renderScene } from '../../world/render';
import { sampleScenes } from '../../world/scene';
import { sceneVideo } from './scene-video';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import { decodeToFrames } from '../../../src/pipeline/graphs/vae-decoder';
import { encodeVideo } from '../../../src/pipeline/graphs/vae-encoder';
import { loadModelPackage } from '../../../src/pipeline/model-package/load';
import { createVideoPipeline } from '../../../src/pipeline/video-pipeline';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '64' },
    seed: { type: 'string', default: '2026' },
    // Another export of this model (a trial decoder exported elsewhere with `export.py --out DIR`).
    model: { type: 'string', default: path.resolve(import.meta.dirname, '..') },
  },
});
const [W, H, F] = [128, 72, 17];
const pkg = await loadModelPackage(fsPackageSource(path.resolve(values.model)), {});
const pipe = createVideoPipeline(pkg, ortNodeBackend, await ortNodeBackend.resolveDevice('auto'));
const recon = [];
const truth = [];
for (const scene of sampleScenes(Number(values.seed), Number(values.n), 'heldout')) {
  const video = sceneVideo(scene, W, H, F);
  const { latents, dims } = await encodeVideo(pipe, video, [1, 3, F, H, W]);
  const { frames } = await decodeToFrames(pipe, latents, dims, 256, 144);
  recon.push(scoreClip(scene, frames));
  truth.push(
    scoreClip(scene, {
      rgba: renderScene(scene, { width: 256, height: 144, numFrames: F }),
      width: 256,
      height: 144,
      numFrames: F,
    }),
  );
}
await pipe.release();
// Judder: the largest frame-to-frame change above the median one; a decoder that draws a latent frame's 4
// frames alike moves in steps and scores high (the world's own renders: 0-0.5).
const pct = (s: ReturnType<typeof summarise>) =>
  Object.entries(s.accuracy)
    .map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`)
    .concat(`judder ${s.meanJudder.toFixed(2)}`)
    .join(', ');
console.log(`ground truth 256×144: ${pct(summarise(truth))}`);
console.log(`VAE reconstruction (128×72 → latents → 256×144): ${pct(summarise(recon))}`);
