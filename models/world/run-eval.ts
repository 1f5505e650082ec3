/**
 * The evaluation loop shared by `npm run eval` and the CI adherence test: held-out prompts with fixed
 * seeds through the Node pipeline (the code the browser runs), each clip read by the evaluator. With
 * `imageToVideo`, each clip also starts from the ground-truth first frame of its scene and reports
 * the first frame's PSNR against that image.
 */
import { readLoraFolder } from '../../server/loras/lora-folder';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { imageToVideo } from '../../src/pipeline/image-to-video';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline } from '../../src/pipeline/video-pipeline';
import { scoreClip, summarise } from './evaluate';
import { adherenceGate } from './gate';
import { psnr } from './metrics';
import { renderScene } from './render';
import type { ClipRecord, EvalReport } from './report';
import { describeScene, recolored, sampleScenes, type Scene } from './scene';

/** What one run generates. */
export type EvalSettings = EvalReport['settings'] & {
  imageToVideo?: boolean;
  variant?: string;
  /** A LoRA pair folder (`high_noise.safetensors`, `low_noise.safetensors`) applied to every clip, at `loraScale` (1). */
  lora?: string;
  loraScale?: number;
  /** Score the objects as if drawn in this colour (what a recolouring LoRA should make them). */
  recolor?: string;
};

/** Generates and scores `settings.n` held-out clips of the package in `modelDir`. */
export async function runEval(
  modelDir: string,
  settings: EvalSettings,
  onClip?: (clip: ClipRecord, index: number) => void,
): Promise<EvalReport & { firstFramePsnr?: number }> {
  const started = performance.now();
  const pkg = await loadModelPackage(fsPackageSource(modelDir), { variant: settings.variant });
  const device = await ortNodeBackend.resolveDevice(settings.device === 'webgpu' ? 'webgpu' : 'auto');
  const pipe = createVideoPipeline(pkg, ortNodeBackend, device);
  const clips: ClipRecord[] = [];
  const psnrs: number[] = [];
  const { width, height } = settings;
  const lora = settings.lora === undefined ? undefined : await readLoraFolder(settings.lora, settings.loraScale ?? 1);
  const { recolor } = settings;
  const drawn = (scene: Scene): Scene => (recolor === undefined ? scene : recolored(scene, recolor));
  try {
    for (const [i, scene] of sampleScenes(settings.sceneSeed, settings.n, 'heldout').entries()) {
      const prompt = describeScene(scene);
      // Fixed per-clip seeds: clip i always gets seed 1000 + i, so runs and models compare clip for clip.
      const params = resolveParams(pkg.manifest, {
        prompt,
        width,
        height,
        num_frames: settings.num_frames,
        num_inference_steps: settings.steps,
        guidance_scale: settings.guidance_scale,
        seed: 1000 + i,
      });
      const t0 = performance.now();
      let frames;
      if (settings.imageToVideo) {
        const first = renderScene(scene, { width, height, numFrames: 1 });
        const image = { rgba: first, width, height };
        frames = (await imageToVideo(pipe, params, { mode: 'image-to-video', image }, { lora })).frames;
        psnrs.push(psnr(frames.rgba.subarray(0, width * height * 4), first));
      } else {
        frames = (await textToVideo(pipe, params, { lora })).frames;
      }
      const t1 = performance.now();
      const score = scoreClip(drawn(scene), frames);
      const clip = { prompt, seed: params.seed, ...score, generateMs: t1 - t0, evaluateMs: performance.now() - t1 };
      clips.push(clip);
      onClip?.(clip, i);
    }
  } finally {
    await pipe.release();
  }
  const summary = summarise(clips);
  const mean = (key: 'generateMs' | 'evaluateMs', from = 0) =>
    clips.slice(from).reduce((s, c) => s + c[key], 0) / Math.max(1, clips.length - from);
  return {
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
    ...(psnrs.length > 0 ? { firstFramePsnr: psnrs.reduce((a, b) => a + b, 0) / psnrs.length } : {}),
  };
}
