/**
 * `npm run bench -- preview`: what the live preview costs next to the denoising step it follows (issue
 * goal: under 5 %). phosphene-v1 at 854×480×81, 4 steps, on ORT-node CPU; each step's time from the
 * progress events, and the preview's (x̂₀ → RGB of one latent frame, ×8 enlargement, PNG as the server
 * stores it) timed on that step's own arrays. Also a 107×60 grid (a VAE without a base size at 854×480).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodePng } from '../server/images/png-encode';
import { fsPackageSource } from '../server/models/fs-package-source';
import { ortNodeBackend } from '../server/inference/ort-node';
import { loadModelPackage } from '../src/pipeline/model-package/load';
import { enlargePreview, latentPreview } from '../src/pipeline/preview';
import { textToVideo } from '../src/pipeline/text-to-video';
import { createVideoPipeline } from '../src/pipeline/video-pipeline';

const pkg = await loadModelPackage(fsPackageSource(path.resolve('models/phosphene-v1')), {});
const pipe = createVideoPipeline(pkg, ortNodeBackend, await ortNodeBackend.resolveDevice('auto'));
const params = {
  prompt: 'a red circle moving right on a blue background',
  negative_prompt: '',
  width: 854,
  height: 480,
  num_frames: 81,
  num_inference_steps: 4,
  guidance_scale: 1,
  seed: 1,
  frames_per_second: 16,
};
const stepTimes: number[] = [];
let last = 0;
const previewTimes: number[] = [];
await textToVideo(pipe, params, {
  onProgress: (e) => {
    if (e.type === 'encode-prompt') last = performance.now();
    if (e.type === 'step') {
      const now = performance.now();
      stepTimes.push(now - last);
      last = now;
    }
  },
  onPreview: (image) => {
    const t0 = performance.now();
    const big = enlargePreview(image);
    encodePng(big.rgba, big.width, big.height);
    previewTimes.push(performance.now() - t0);
  },
});
await pipe.release();
// The hook's latent→RGB pass is inside the step time above; time it alone on a same-sized grid too.
const time = (dims: number[], visible: { width: number; height: number }) => {
  const n = dims.reduce((a, b) => a * b, 1);
  const latents = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const velocity = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
  const t0 = performance.now();
  const runs = 20;
  for (let i = 0; i < runs; i++) {
    const image = latentPreview(pkg.manifest, latents, velocity, 0.5, dims, visible)!;
    const big = enlargePreview(image);
    encodePng(big.rgba, big.width, big.height);
  }
  return (performance.now() - t0) / runs;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const step = median(stepTimes);
time([1, 16, 21, 9, 16], { width: 16, height: 9 }); // warm-up: the first runs include the JIT
const v1Grid = time([1, 16, 21, 9, 16], { width: 16, height: 9 });
const bigGrid = time([1, 16, 21, 60, 107], { width: 107, height: 60 });
console.log(`| what (854×480×81, phosphene-v1 q4, ORT-node CPU) | ms | share of a step |`);
console.log(`| --- | ---: | ---: |`);
console.log(`| denoising step (median of ${stepTimes.length}) | ${step.toFixed(1)} | 100 % |`);
console.log(
  `| preview, 16×9 grid (v1), incl. enlarge + PNG | ${v1Grid.toFixed(2)} | ${((100 * v1Grid) / step).toFixed(2)} % |`,
);
console.log(
  `| preview, 107×60 grid, incl. enlarge + PNG | ${bigGrid.toFixed(2)} | ${((100 * bigGrid) / step).toFixed(2)} % |`,
);
console.log(
  `| enlarge + PNG in the job (median) | ${median(previewTimes).toFixed(2)} | ${((100 * median(previewTimes)) / step).toFixed(2)} % |`,
);
