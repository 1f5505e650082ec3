/**
 * `npm run eval -- --model models/phosphene-random --n 256`: generates the held-out prompts with fixed
 * seeds through the Node pipeline (the same code the browser runs), reads every clip with the
 * evaluator and reports accuracy per attribute, flicker and timing (markdown on stdout, JSON with
 * every clip to --json). `--gate` exits 1 when an accuracy is below the goals.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { ortNodeBackend } from '../../src/pipeline/backend/ort-node';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline } from '../../src/pipeline/video-pipeline';
import { scoreClip, summarise } from './evaluate';
import { adherenceGate } from './gate';
import { markdownReport, type ClipRecord, type EvalReport } from './report';
import { describeScene, sampleScenes } from './scene';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(import.meta.dirname, '../phosphene-random') },
    n: { type: 'string', default: '256' },
    width: { type: 'string', default: '256' },
    height: { type: 'string', default: '144' },
    num_frames: { type: 'string', default: '17' },
    steps: { type: 'string', default: '4' },
    guidance_scale: { type: 'string', default: '1' },
    scene_seed: { type: 'string', default: '2026' },
    device: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
    gate: { type: 'boolean', default: false },
  },
  strict: true,
});

/** A numeric option, or a clear error naming it. */
function num(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not "${String(values[name])}"`);
  return n;
}

async function main(): Promise<void> {
  const started = performance.now();
  const settings = {
    n: num('n'),
    width: num('width'),
    height: num('height'),
    num_frames: num('num_frames'),
    steps: num('steps'),
    guidance_scale: num('guidance_scale'),
    sceneSeed: num('scene_seed'),
    device: values.device === 'webgpu' ? 'webgpu' : 'cpu',
  };
  const pkg = await loadModelPackage(fsPackageSource(values.model));
  const device = await ortNodeBackend.resolveDevice(settings.device === 'webgpu' ? 'webgpu' : 'auto');
  const pipe = createVideoPipeline(pkg, ortNodeBackend, device);
  const clips: ClipRecord[] = [];
  try {
    for (const [i, scene] of sampleScenes(settings.sceneSeed, settings.n, 'heldout').entries()) {
      const prompt = describeScene(scene);
      // Fixed per-clip seeds: clip i always gets seed 1000 + i, so runs and models compare clip for clip.
      const params = resolveParams(pkg.manifest, {
        prompt,
        width: settings.width,
        height: settings.height,
        num_frames: settings.num_frames,
        num_inference_steps: settings.steps,
        guidance_scale: settings.guidance_scale,
        seed: 1000 + i,
      });
      const t0 = performance.now();
      const { frames } = await textToVideo(pipe, params);
      const t1 = performance.now();
      const score = scoreClip(scene, frames);
      clips.push({ prompt, seed: params.seed, ...score, generateMs: t1 - t0, evaluateMs: performance.now() - t1 });
      process.stderr.write(`\r${clips.length}/${settings.n} ${prompt}`.padEnd(90).slice(0, 90));
    }
  } finally {
    await pipe.release();
  }
  process.stderr.write('\n');
  const summary = summarise(clips);
  const mean = (key: 'generateMs' | 'evaluateMs', from = 0) =>
    clips.slice(from).reduce((s, c) => s + c[key], 0) / Math.max(1, clips.length - from);
  const report: EvalReport = {
    model: pkg.manifest.id,
    weights: pkg.manifest.weights,
    settings,
    summary,
    gate: adherenceGate(summary),
    // The first clip pays for compiling the sessions of this shape; the mean leaves it out.
    timing: {
      firstClipMs: clips[0]?.generateMs ?? 0,
      meanGenerateMs: mean('generateMs', 1),
      meanEvaluateMs: mean('evaluateMs'),
      totalS: (performance.now() - started) / 1000,
    },
    clips,
  };
  if (values.json) {
    await mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
    await writeFile(values.json, `${JSON.stringify(report, null, 1)}\n`);
  }
  process.stdout.write(markdownReport(report));
  if (values.gate && !report.gate.pass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
