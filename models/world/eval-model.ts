/**
 * `npm run eval -- --model models/phosphene-v1 --n 256 [--image_to_video] [--lora DIR [--lora_scale X] --recolor C]`: generates the held-out prompts with fixed
 * seeds through the Node pipeline (the same code the browser runs), reads every clip with the
 * evaluator and reports accuracy per attribute, flicker and timing (markdown on stdout, JSON with
 * every clip to --json). `--gate` exits 1 when an accuracy is below the goals.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { markdownReport } from './report';
import { runEval } from './run-eval';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(import.meta.dirname, '../phosphene-v1') },
    n: { type: 'string', default: '256' },
    width: { type: 'string', default: '256' },
    height: { type: 'string', default: '144' },
    num_frames: { type: 'string', default: '17' },
    steps: { type: 'string', default: '4' },
    guidance_scale: { type: 'string', default: '1' },
    scene_seed: { type: 'string', default: '2026' },
    device: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
    variant: { type: 'string' },
    image_to_video: { type: 'boolean', default: false },
    gate: { type: 'boolean', default: false },
    lora: { type: 'string' },
    lora_scale: { type: 'string', default: '1' },
    recolor: { type: 'string' },
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
  const settings = {
    n: num('n'),
    width: num('width'),
    height: num('height'),
    num_frames: num('num_frames'),
    steps: num('steps'),
    guidance_scale: num('guidance_scale'),
    sceneSeed: num('scene_seed'),
    device: values.device === 'webgpu' ? 'webgpu' : 'cpu',
    imageToVideo: values.image_to_video,
    variant: values.variant,
    lora: values.lora,
    loraScale: num('lora_scale'),
    recolor: values.recolor,
  };
  const report = await runEval(values.model!, settings, (clip, i) =>
    process.stderr.write(`\r${i + 1}/${settings.n} ${clip.prompt}`.padEnd(90).slice(0, 90)),
  );
  process.stderr.write('\n');
  if (values.json) {
    await mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
    await writeFile(values.json, `${JSON.stringify(report, null, 1)}\n`);
  }
  process.stdout.write(markdownReport(report));
  if (report.firstFramePsnr !== undefined)
    process.stdout.write(`\nimage-to-video: mean first-frame PSNR ${report.firstFramePsnr.toFixed(2)} dB\n`);
  if (values.gate && !report.gate.pass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
