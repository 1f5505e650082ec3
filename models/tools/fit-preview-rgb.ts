/**
 * Fits a package's `latent.preview_rgb`: the linear map from one latent cell (denoiser scale) to the mean
 * RGB of the pixels it covers, by least squares over frames of the world's scenes encoded with the
 * package's own VAE encoder. The live preview applies it to x̂₀ after each step instead of running the VAE.
 *
 *   npx tsx models/tools/fit-preview-rgb.ts [--model models/phosphene-v1] [--scenes 96] [--write]
 *
 * Prints the fit's PSNR on held-out scenes (preview against the pooled frame); `--write` stores the map in
 * the package's model.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { encodeVideo } from '../../src/pipeline/graphs/vae-encoder';
import { latentGrid } from '../../src/pipeline/latents';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { latentPreview } from '../../src/pipeline/preview';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { renderScene } from '../world/render';
import { sampleScenes, type Scene } from '../world/scene';

/** One latent cell's values and the mean RGB (in [-1, 1]) of its pixels. */
interface Cell {
  z: number[];
  rgb: [number, number, number];
}

/** Encodes a scene's first frame at the VAE's working size; returns its cells. */
async function cellsOf(
  pipe: VideoPipeline,
  scene: Scene,
): Promise<{ cells: Cell[]; latents: Float32Array; dims: readonly number[] }> {
  const m = pipe.manifest;
  const smallest = [...m.resolutions].sort((a, b) => a.width * a.height - b.width * b.height)[0]!;
  const grid = latentGrid(m, smallest.width, smallest.height, 1);
  const [width, height] = [grid.paddedWidth, grid.paddedHeight];
  const rgba = renderScene(scene, { width, height, numFrames: 1 });
  const video = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < 3; c++) video[c * width * height + i] = rgba[i * 4 + c]! / 127.5 - 1;
  const { latents, dims } = await encodeVideo(pipe, video, [1, 3, 1, height, width]);
  const [, channels, , h, w] = dims as [number, number, number, number, number];
  const sc = m.latent.spatial_compression;
  const cells: Cell[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rgb: [number, number, number] = [0, 0, 0];
      for (let dy = 0; dy < sc; dy++)
        for (let dx = 0; dx < sc; dx++)
          for (let c = 0; c < 3; c++)
            rgb[c]! += video[c * width * height + (y * sc + dy) * width + x * sc + dx]! / (sc * sc);
      cells.push({ z: Array.from({ length: channels }, (_, k) => latents[k * h * w + y * w + x]!), rgb });
    }
  return { cells, latents, dims };
}

/** Solves (XᵀX + λI)·W = XᵀY for each of Y's 3 columns, X = [z, 1]; returns weight (3 × C) and bias. */
function leastSquares(cells: Cell[], lambda = 1e-3): { weight: number[][]; bias: number[] } {
  const n = cells[0]!.z.length + 1;
  const a = Array.from({ length: n }, () => new Float64Array(n));
  const b = Array.from({ length: 3 }, () => new Float64Array(n));
  for (const { z, rgb } of cells) {
    const x = [...z, 1];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i]![j]! += x[i]! * x[j]!;
      for (let c = 0; c < 3; c++) b[c]![i]! += x[i]! * rgb[c]!;
    }
  }
  for (let i = 0; i < n - 1; i++) a[i]![i]! += lambda * cells.length;
  const solve = (rhs: Float64Array): number[] => {
    const m = a.map((row, i) => [...row, rhs[i]!]);
    for (let col = 0; col < n; col++) {
      const pivot = m
        .slice(col)
        .reduce((best, row, i) => (Math.abs(row[col]!) > Math.abs(m[best]![col]!) ? col + i : best), col);
      [m[col], m[pivot]] = [m[pivot]!, m[col]!];
      for (let r = 0; r < n; r++) {
        if (r === col) continue;
        const f = m[r]![col]! / m[col]![col]!;
        for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!;
      }
    }
    return m.map((row, i) => row[n]! / row[i]!);
  };
  const solved = b.map(solve);
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return { weight: solved.map((w) => w.slice(0, n - 1).map(round)), bias: solved.map((w) => round(w[n - 1]!)) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.resolve(import.meta.dirname, '../phosphene-v1') },
      scenes: { type: 'string', default: '96' },
      write: { type: 'boolean', default: false },
    },
  });
  const dir = path.resolve(values.model!);
  const pkg = await loadModelPackage(fsPackageSource(dir), {});
  const pipe = createVideoPipeline(pkg, ortNodeBackend, await ortNodeBackend.resolveDevice('auto'));
  try {
    const train: Cell[] = [];
    for (const scene of sampleScenes(11, Number(values.scenes), 'train'))
      train.push(...(await cellsOf(pipe, scene)).cells);
    const fitted = leastSquares(train);
    // Held-out check: the preview of x̂₀ = the clean latents (σ = 0) against the pooled frame.
    const manifest = { ...pipe.manifest, latent: { ...pipe.manifest.latent, preview_rgb: fitted } };
    let sq = 0;
    let count = 0;
    for (const scene of sampleScenes(12, 24, 'heldout')) {
      const { cells, latents, dims } = await cellsOf(pipe, scene);
      const zero = new Float32Array(latents.length);
      const image = latentPreview(manifest, latents, zero, 0, dims, { width: dims[4]!, height: dims[3]! })!;
      cells.forEach((cell, i) => {
        for (let c = 0; c < 3; c++) sq += (image.rgba[i * 4 + c]! - Math.round((cell.rgb[c]! + 1) * 127.5)) ** 2;
        count += 3;
      });
    }
    const psnr = 10 * Math.log10((255 * 255) / (sq / count));
    console.log(
      `${pipe.manifest.id}: preview_rgb fitted on ${train.length} cells; held-out PSNR ${psnr.toFixed(1)} dB`,
    );
    if (values.write) {
      const file = path.join(dir, 'model.json');
      const json = JSON.parse(await readFile(file, 'utf8')) as { latent: Record<string, unknown> };
      json.latent.preview_rgb = fitted;
      await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`written to ${file}`);
    }
  } finally {
    await pipe.release();
  }
}

await main();
