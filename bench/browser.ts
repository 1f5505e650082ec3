/**
 * Browser side by side, in one headless Chromium and one run: MP4 encoding with WebCodecs vs
 * ffmpeg.wasm on the same request, and the tiny model on WASM vs WebGPU. Here WebGPU runs on
 * SwiftShader (a software adapter), which is why `auto` routes such devices to WASM; on a real GPU the
 * second ratio turns around. Last, the main thread during a job run from the playground's form: its long
 * tasks (> 50 ms, PerformanceObserver) against the job's time; the goal is none. Uses the production build (`npm run build` first if `dist/` is missing).
 */
import { chromium } from 'playwright-core';
import playwrightConfig from '../playwright.config';
import { median, startAppServer } from './support/app-server';
import type { GenerateRequest } from '../src/shared/protocol';
import '../e2e/support/debug-handle';
import { installJobProbe, longTasksDuringJob, readJobProbe } from '../e2e/support/job-probe';
import { fillForm } from '../e2e/support/playground';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const { base, close } = await startAppServer();

// The e2e suite's browser and flags (playwright.config.ts), so the bench measures what the tests check.
const browser = await chromium.launch(playwrightConfig.use?.launchOptions);
const page = await browser.newPage();
await page.goto(`${base}/?debug`);
await page.waitForFunction(() => window.phosphene !== undefined);

let n = 0;
function request(
  model: string,
  device: 'wasm' | 'webgpu',
  params: Partial<GenerateRequest['params']>,
): GenerateRequest {
  return {
    jobId: `bench-${n++}`,
    modelUrl: `/models/${model}/model.json`,
    device,
    params: {
      prompt: 'a red circle moving left on a navy background',
      negative_prompt: '',
      width: 256,
      height: 144,
      num_frames: 17,
      num_inference_steps: 1,
      guidance_scale: 1,
      seed: 1,
      frames_per_second: 16,
      ...params,
    },
  };
}

async function encodeMs(encoder: 'webcodecs' | 'ffmpeg.wasm', width: number, height: number): Promise<number> {
  const r = request('phosphene-random', 'wasm', { width, height });
  const clip = await page.evaluate(([req, enc]) => window.phosphene!.generate(req, enc), [r, encoder] as const);
  return clip.encodeMs;
}

async function framesMs(device: 'wasm' | 'webgpu'): Promise<number> {
  const r = request('phosphene-tiny', device, { width: 64, height: 64, num_frames: 5, num_inference_steps: 2 });
  return page.evaluate(async (req) => {
    const started = performance.now();
    await window.phosphene!.frames(req);
    return performance.now() - started;
  }, r);
}

/** One job from the form, as a person starts it: (job ms, long-task ms, longest long task ms, count). */
async function uiJob(resolution: string, frames: number): Promise<[number, number, number, number]> {
  await page.goto(`${base}/?model=phosphene-v1`);
  await page.locator('select[name=model] option').first().waitFor({ state: 'attached' });
  await fillForm(page, {
    prompt: 'two green squares moving up on a white background',
    resolution,
    frames,
    device: 'wasm',
  });
  await installJobProbe(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.locator('[data-testid=progress][data-status=done]').waitFor({ timeout: 300_000 });
  const probe = await readJobProbe(page);
  const tasks = longTasksDuringJob(probe);
  return [
    probe.doneAt - probe.startAt,
    tasks.reduce((a, t) => a + t.ms, 0),
    Math.max(0, ...tasks.map((t) => t.ms)),
    tasks.length,
  ];
}

const rows: [string, string, string, number[], number[]][] = [];
const mainThread: [string, [number, number, number, number][]][] = [];
async function compare(label: string, a: [string, () => Promise<number>], b: [string, () => Promise<number>]) {
  // Warm both (loads ffmpeg.wasm, compiles sessions), then alternate so load from elsewhere hits both alike.
  await a[1]();
  await b[1]();
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    xs.push(await a[1]());
    ys.push(await b[1]());
  }
  rows.push([label, a[0], b[0], xs, ys]);
}

try {
  await compare(
    'MP4 encode 256×144×17',
    ['webcodecs', () => encodeMs('webcodecs', 256, 144)],
    ['ffmpeg.wasm', () => encodeMs('ffmpeg.wasm', 256, 144)],
  );
  await compare(
    'MP4 encode 854×480×17',
    ['webcodecs', () => encodeMs('webcodecs', 854, 480)],
    ['ffmpeg.wasm', () => encodeMs('ffmpeg.wasm', 854, 480)],
  );
  await compare(
    'tiny model 64×64×5, 2 steps',
    ['wasm', () => framesMs('wasm')],
    ['webgpu (SwiftShader)', () => framesMs('webgpu')],
  );
  for (const [resolution, frames] of [
    ['256x144', 17],
    ['854x480', 33],
  ] as const) {
    await uiJob(resolution, frames); // warm: sessions compiled, encoder loaded
    const runs = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await uiJob(resolution, frames));
    mainThread.push([`UI job ${resolution}×${frames}, wasm`, runs]);
  }
} finally {
  await browser.close();
  close();
}

console.log(`\nBrowser, headless Chromium, warm, median of ${ROUNDS} alternating rounds`);
for (const [label, a, b, xs, ys] of rows) {
  const x = median(xs);
  const y = median(ys);
  console.log(`${label.padEnd(30)} ${a} ${x.toFixed(0)} ms  vs  ${b} ${y.toFixed(0)} ms  → ${(y / x).toFixed(1)}×`);
}
console.log(`\nMain thread during a job (long tasks > 50 ms; goal: none), median of ${ROUNDS}`);
for (const [label, runs] of mainThread) {
  const job = median(runs.map((r) => r[0]));
  const blocked = median(runs.map((r) => r[1]));
  console.log(
    `${label.padEnd(30)} job ${job.toFixed(0)} ms, long tasks ${blocked.toFixed(0)} ms (${((100 * blocked) / job).toFixed(1)} %), ` +
      `longest ${Math.max(...runs.map((r) => r[2])).toFixed(0)} ms, count per job ${runs.map((r) => r[3]).join('/')}`,
  );
}
