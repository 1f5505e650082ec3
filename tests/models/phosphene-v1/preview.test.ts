/**
 * Live previews of the built-in model: one per denoising step, and the last one (x̂₀ after the final
 * step, through the fitted `preview_rgb`) looks like the decoded clip's middle frame at latent resolution.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import { loadModelPackage } from '../../../src/pipeline/model-package/load';
import type { PreviewImage } from '../../../src/pipeline/preview';
import { textToVideo } from '../../../src/pipeline/text-to-video';
import { createVideoPipeline } from '../../../src/pipeline/video-pipeline';

const DIR = path.resolve(process.env.V1_DIR ?? 'models/phosphene-v1');

describe('phosphene-v1 live previews', () => {
  it('come after every step and end close to the decoded middle frame', { timeout: 120_000 }, async () => {
    const pkg = await loadModelPackage(fsPackageSource(DIR), {});
    expect(pkg.manifest.latent.preview_rgb).toBeDefined();
    const pipe = createVideoPipeline(pkg, ortNodeBackend, await ortNodeBackend.resolveDevice('auto'));
    try {
      const previews: PreviewImage[] = [];
      const params = {
        prompt: 'a red circle moving right on a blue background',
        negative_prompt: '',
        width: 256,
        height: 144,
        num_frames: 17,
        num_inference_steps: 4,
        guidance_scale: 1,
        seed: 3,
        frames_per_second: 16,
      };
      const { frames } = await textToVideo(pipe, params, { onPreview: (p) => previews.push(p) });
      expect(previews.map((p) => [p.step, p.totalSteps, p.width, p.height])).toEqual(
        [1, 2, 3, 4].map((s) => [s, 4, 16, 9]),
      );
      // The middle latent frame (2 of 5) covers output frames 5–8: pool frame 6 to 16×9 and compare.
      const last = previews.at(-1)!;
      const { width, height, rgba } = frames;
      const f = 6;
      const cw = width / 16;
      const ch = height / 9;
      let sq = 0;
      for (let y = 0; y < 9; y++)
        for (let x = 0; x < 16; x++)
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let dy = 0; dy < ch; dy++)
              for (let dx = 0; dx < cw; dx++) sum += rgba[((f * height + y * ch + dy) * width + x * cw + dx) * 4 + c]!;
            sq += (sum / (cw * ch) - last.rgba[(y * 16 + x) * 4 + c]!) ** 2;
          }
      const psnr = 10 * Math.log10((255 * 255) / (sq / (16 * 9 * 3)));
      console.log(`preview after the last step vs the decoded frame, pooled: ${psnr.toFixed(1)} dB`);
      expect(psnr).toBeGreaterThan(20);
      // The first preview (σ near 1) is a rougher guess than the last.
      expect(previews[0]!.rgba).not.toEqual(last.rgba);
    } finally {
      await pipe.release();
    }
  });
});
