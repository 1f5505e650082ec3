/**
 * `npm run generate -- --prompt "a red circle moving left" --out clip.mp4 [options]`: text (and
 * optionally a first / last image) to an H.264 MP4 on this machine's CPU, with the same pipeline the
 * browser runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseManifest, type ModelManifest } from '../../src/pipeline/model-package/manifest';
import { readRecipe, type Recipe } from '../../src/pipeline/mp4-recipe';
import { packageVersion } from '../../src/pipeline/package-version';
import { resolveParams } from '../../src/pipeline/params';
import type { GenerateParams, LoraWeights, ProgressEvent } from '../../src/shared/protocol';
import type { ImageConditioning } from '../../src/pipeline/image-to-video';
import { decodeImage } from '../images/decode';
import { readLoraFolder } from '../loras/lora-folder';
import { LoraError } from '../../src/shared/errors';
import { fsPackageSource } from '../models/fs-package-source';
import { streamFramesNode } from '../models/node-generate';
import { generateMp4 } from '../video/generate-mp4';

const DEFAULT_MODEL = path.resolve(import.meta.dirname, '../../models/phosphene-v1');

const USAGE = `Usage: npm run generate -- --prompt "..." [--out clip.mp4] [options]

  --prompt TEXT            what the video shows (required)
  --negative_prompt TEXT   what to steer away from (used when guidance_scale > 1)
  --out FILE               output MP4 (default: clip.mp4)
  --width N --height N     a resolution of the model (default: its smallest, e.g. 256×144)
  --num_frames N           1 + 4k frames (default: the model's)
  --steps N                denoising steps, 1–50 (alias --num_inference_steps)
  --guidance_scale X       1–3.5; 1 turns classifier-free guidance off
  --seed N                 uint32; random when absent (printed, to reproduce the clip)
  --fps N                  4–30 (alias --frames_per_second)
  --image FILE             first frame (PNG, JPEG or WebP): image-to-video
  --last_image FILE        last frame too: first-last-frame (the model must list that mode)
  --model DIR              model package folder (default: models/phosphene-v1)
  --variant NAME           a variant of the package (fp32, q8, q4; default: the manifest's)
  --lora DIR               a LoRA pair: a folder with high_noise.safetensors and low_noise.safetensors
  --lora_scale X           its strength, 0–2 (default 1)
  --device cpu|webgpu      ONNX Runtime provider (default: cpu)
  --recipe CLIP.mp4        re-run a Phosphene clip exactly: its model, variant and every parameter
                           come from the recipe in its metadata (give --image/--lora again if it had them)

Every clip carries its recipe (the MP4's comment tag), so --recipe on it makes the same clip again.
`;

const { values } = parseArgs({
  options: {
    prompt: { type: 'string' },
    negative_prompt: { type: 'string' },
    out: { type: 'string', default: 'clip.mp4' },
    width: { type: 'string' },
    height: { type: 'string' },
    num_frames: { type: 'string' },
    steps: { type: 'string' },
    num_inference_steps: { type: 'string' },
    guidance_scale: { type: 'string' },
    seed: { type: 'string' },
    fps: { type: 'string' },
    frames_per_second: { type: 'string' },
    image: { type: 'string' },
    last_image: { type: 'string' },
    model: { type: 'string', default: DEFAULT_MODEL },
    variant: { type: 'string' },
    lora: { type: 'string' },
    lora_scale: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    recipe: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

async function main(): Promise<void> {
  if (values.help) return void process.stdout.write(USAGE);
  const recipe = values.recipe === undefined ? undefined : await readRecipeFile(values.recipe);
  if (recipe) {
    await checkRecipeModel(recipe, values.model);
    Object.assign(values, { prompt: recipe.params.prompt, variant: recipe.variant ?? values.variant });
  }
  if (values.prompt === undefined) throw new UsageError('--prompt is required.');
  if (values.device !== 'cpu' && values.device !== 'webgpu')
    throw new UsageError(`--device must be cpu or webgpu, not ${values.device}.`);
  const num = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${text}".`);
    return n;
  };
  const params: Partial<GenerateParams> = {
    prompt: values.prompt,
    negative_prompt: values.negative_prompt,
    width: num('width', values.width),
    height: num('height', values.height),
    num_frames: num('num_frames', values.num_frames),
    num_inference_steps: num('steps', values.steps ?? values.num_inference_steps),
    guidance_scale: num('guidance_scale', values.guidance_scale),
    seed: num('seed', values.seed),
    frames_per_second: num('fps', values.fps ?? values.frames_per_second),
  };
  if (recipe) Object.assign(params, recipe.params);
  else if (params.width === undefined && params.height === undefined)
    Object.assign(params, await smallestResolution(values.model));

  const started = performance.now();
  const conditioning = await readConditioning(values.image, values.last_image);
  const lora = await readLora(values.lora, num('lora_scale', values.lora_scale));
  // Resolved here (a missing seed drawn once) because the encoder, opened as the first frames decode,
  // needs the fps.
  const resolved = resolveParams(await readManifest(values.model), params);
  const { mp4, generated: result } = await generateMp4(
    streamFramesNode,
    {
      modelDir: values.model,
      variant: values.variant,
      lora,
      loraName: values.lora === undefined ? undefined : path.basename(values.lora),
      params: resolved,
      device: values.device === 'webgpu' ? 'webgpu' : 'auto',
      conditioning,
      onProgress: report,
    },
    {
      fps: resolved.frames_per_second,
      onFrame: (frame, totalFrames) => report({ type: 'encode-video', frame, totalFrames }),
    },
  );
  const p = result.params;
  await writeFile(values.out, mp4);
  report({ type: 'done', elapsedMs: performance.now() - started });
  process.stderr.write(
    `${p.width}×${p.height}, ${p.num_frames} frames at ${p.frames_per_second} fps, ${p.num_inference_steps} steps, guidance ${p.guidance_scale}, seed ${p.seed}, on ${result.device}${conditioning ? `, ${conditioning.mode}` : ''}${lora ? `, LoRA ${values.lora} × ${lora.scale}` : ''}\n`,
  );
  process.stdout.write(`${path.resolve(values.out)}\n`);
}

/** Decodes the image options into the conditioning of an image mode; none means text-to-video. */
async function readConditioning(image?: string, lastImage?: string): Promise<ImageConditioning | undefined> {
  if (lastImage !== undefined && image === undefined) throw new UsageError('--last_image needs --image as well.');
  if (image === undefined) return undefined;
  const decode = async (file: string) => {
    const bytes = await readFile(file).catch(() => {
      throw new UsageError(`cannot read ${file}: give the path of a PNG, JPEG or WebP file.`);
    });
    return decodeImage(bytes);
  };
  return lastImage === undefined
    ? { mode: 'image-to-video', image: await decode(image) }
    : { mode: 'first-last-frame', image: await decode(image), last_image: await decode(lastImage) };
}

/** The LoRA pair of `--lora`, at `--lora_scale`. */
async function readLora(dir?: string, scale?: number): Promise<LoraWeights | undefined> {
  if (dir === undefined) {
    if (scale !== undefined) throw new UsageError('--lora_scale needs --lora as well.');
    return undefined;
  }
  if (scale !== undefined && !(scale >= 0 && scale <= 2))
    throw new UsageError(`--lora_scale must be 0–2, not ${scale}.`);
  // A missing file is the caller's mistake here: show it with the usage.
  return readLoraFolder(dir, scale ?? 1).catch((error: unknown) => {
    throw error instanceof LoraError ? new UsageError(error.message) : error;
  });
}

/** The package's manifest. */
async function readManifest(modelDir: string): Promise<ModelManifest> {
  const source = fsPackageSource(modelDir);
  return parseManifest(
    JSON.parse(new TextDecoder().decode(await source.read('model.json'))),
    `${source.label} model.json`,
  );
}

/** The recipe of a clip given to --recipe. */
async function readRecipeFile(file: string): Promise<Recipe> {
  const bytes = await readFile(file).catch(() => {
    throw new UsageError(`cannot read ${file}: give the path of a clip Phosphene made.`);
  });
  const recipe = readRecipe(new Uint8Array(bytes));
  if (!recipe) throw new UsageError(`${file} carries no Phosphene recipe (its comment tag has none).`);
  return recipe;
}

/** The recipe's model must be the package given (or the default); its weights should be the same. */
async function checkRecipeModel(recipe: Recipe, modelDir: string): Promise<void> {
  const manifest = await readManifest(modelDir);
  if (manifest.id !== recipe.model)
    throw new UsageError(
      `the clip was made by ${recipe.model}, and ${modelDir} is ${manifest.id}: pass --model with that package's folder.`,
    );
  if (recipe.mode !== 'text-to-video' && values.image === undefined)
    throw new UsageError(
      `the clip is ${recipe.mode}: give its --image${recipe.mode === 'first-last-frame' ? ' and --last_image' : ''} again.`,
    );
  if (recipe.lora && values.lora === undefined)
    throw new UsageError(
      `the clip used the LoRA ${recipe.lora.name} at ${recipe.lora.scale}: give its folder with --lora.`,
    );
  if (recipe.lora && values.lora_scale === undefined) values.lora_scale = String(recipe.lora.scale);
  const version = packageVersion(manifest, recipe.variant ?? manifest.default_variant);
  if (recipe.model_version && version !== recipe.model_version)
    process.stderr.write(
      `warning: the clip was made by model version ${recipe.model_version} and this package is ${version} (other weights or sampler settings); the result will differ.\n`,
    );
}

/** A small default for CPUs: the manifest's smallest resolution (the UI's default is the first one). */
async function smallestResolution(modelDir: string): Promise<{ width: number; height: number }> {
  const manifest = await readManifest(modelDir);
  const [smallest] = [...manifest.resolutions].sort((a, b) => a.width * a.height - b.width * b.height);
  return { width: smallest!.width, height: smallest!.height };
}

let lastLoad = '';
function report(event: ProgressEvent): void {
  const line = (() => {
    switch (event.type) {
      case 'load':
        if (event.loadedBytes < event.totalBytes || event.file === lastLoad) return '';
        lastLoad = event.file;
        return `loaded ${event.file} (${(event.totalBytes / 1024).toFixed(0)} KiB)`;
      case 'encode-prompt':
        return 'encoding prompt';
      case 'step':
        return `step ${event.step}/${event.totalSteps} (t = ${event.timestep.toFixed(1)})`;
      case 'decode':
        return 'decoding latents';
      case 'encode-video':
        return 'encoding H.264 MP4';
      case 'done':
        return `done in ${(event.elapsedMs / 1000).toFixed(2)} s`;
    }
  })();
  if (line) process.stderr.write(`${line}\n`);
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  const message =
    error instanceof Error
      ? `${error.name === 'Error' || error instanceof UsageError ? '' : `${error.name}: `}${error.message}`
      : String(error);
  process.stderr.write(`error: ${message}\n${error instanceof UsageError ? `\n${USAGE}` : ''}`);
  process.exitCode = 1;
});
