/**
 * `npm run bench -- engine`: the in-browser engine stage by stage, in headless Chromium, WASM beside WebGPU.
 * Here WebGPU is SwiftShader (a software adapter, which `auto` never picks), so its column shows the
 * engine's overheads and correctness on that path, not a GPU's speed; on a machine with a GPU the same
 * command measures the real thing. Per provider, in a fresh browser profile, the production build:
 * - model load cold (the first job: the package over HTTP, verified, sessions compiled) and cached (after
 *   `unload`: files from the browser's HTTP cache, sessions compiled again): the job's `loadMs` + `compileMs`;
 * - warm jobs (sessions kept), median of BENCH_ROUNDS: prompt encode, per denoising step, decode (each a
 *   graph's time inside ONNX Runtime), the MP4 encoder, the previews, and the share of the job spent in
 *   neither ONNX Runtime nor the encoder (the goal: under 5 %);
 * - the browser's peak memory during one more warm job (sampling it slows a job, so not during the timed
 *   ones): the PSS of its processes, by process type (/proc, Linux), and the page's and the worker's heaps
 *   after it (`measureUserAgentSpecificMemory`);
 * - on WASM, the device plan's time estimate for two other sizes, scaled from a warm job, beside their run;
 * then WebCodecs against ffmpeg.wasm on the same request. The numbers come from the worker (`timings` of
 * the result), so the page's messaging is not in them.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import playwrightConfig from '../playwright.config';
import { median, startAppServer } from './support/app-server';
import { browserMemory, sampleBrowserMemory, type BrowserMemory } from './support/browser-memory';
import type { GenerateRequest, JobTimings } from '../src/shared/protocol';
import { parseManifest } from '../src/pipeline/model-package/manifest';
import { estimateJobSeconds, stageSeconds, type MeasuredJob } from '../src/pipeline/time-estimate';
import type { DebugClip } from '../e2e/support/debug-handle';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MODEL = process.env.BENCH_MODEL ?? 'phosphene-v1';
const SIZE = { width: 256, height: 144, num_frames: 17, num_inference_steps: 4 };

const { base, close } = await startAppServer();
const manifest = parseManifest(JSON.parse(readFileSync(`models/${MODEL}/model.json`, 'utf8')));

let n = 0;
function request(device: 'wasm' | 'webgpu', params: Partial<GenerateRequest['params']> = {}): GenerateRequest {
  return {
    jobId: `engine-${n++}`,
    modelUrl: `/models/${MODEL}/model.json`,
    device,
    params: {
      prompt: 'a red circle moving left on a navy background',
      negative_prompt: '',
      guidance_scale: 1,
      seed: 1,
      frames_per_second: 16,
      ...SIZE,
      ...params,
    },
  };
}

async function generate(page: Page, r: GenerateRequest, encoder: 'auto' | 'webcodecs' | 'ffmpeg.wasm' = 'auto') {
  const clip = (await page.evaluate(([req, enc]) => window.phosphene!.generate(req, enc, undefined, true), [
    r,
    encoder,
  ] as const)) as DebugClip;
  const load = clip.timings.loadMs + clip.timings.compileMs;
  console.error(
    `  ${r.device} ${encoder}: ${(clip.elapsedMs / 1000).toFixed(1)} s (load ${(load / 1000).toFixed(1)} s)`,
  );
  return clip;
}

interface Column {
  loadColdMs: number;
  loadCachedMs: number;
  /** The whole first job: load, compiles, and every graph's first run (WebGPU compiles its shaders then). */
  firstMs: number;
  warm: DebugClip[];
  /** The browser's processes at the largest PSS seen during the memory job, and just before it. */
  peak: BrowserMemory;
  idle: BrowserMemory;
  /** The page's and the worker's heaps after the warm jobs (`measureUserAgentSpecificMemory`), bytes by scope. */
  heaps: Record<string, number>;
  /** The device plan's estimate for other sizes, from the first warm job, beside their warm run (WASM only). */
  estimates: { label: string; estimated: number; actual: number }[];
}

/** Sizes the time estimate is checked at, scaled from the warm 256×144×17 job. */
const OTHER_SIZES = [
  { width: 854, height: 480, num_frames: 33 },
  { width: 256, height: 144, num_frames: 81 },
];

/** A warm job as the page's measurement keeps it (step time from the denoiser's runs rather than step events). */
function measuredFrom(c: DebugClip, device: 'wasm' | 'webgpu'): MeasuredJob {
  const denoiser = c.timings.graphs.denoiser;
  return {
    device,
    ...SIZE,
    numFrames: SIZE.num_frames,
    guidance: 1,
    secondsPerStep: (denoiser?.ms ?? 0) / 1000 / (denoiser?.runs ?? 1),
    ...stageSeconds(c.timings),
  };
}

async function measure(device: 'wasm' | 'webgpu'): Promise<Column> {
  const profile = await mkdtemp(path.join(tmpdir(), `phosphene-engine-${device}-`));
  const context = await chromium.launchPersistentContext(profile, {
    ...playwrightConfig.use?.launchOptions,
    headless: true,
  });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/?debug`);
    await page.waitForFunction(() => window.phosphene !== undefined);
    const cold = await generate(page, request(device));
    await page.evaluate(() => window.phosphene!.app.client.unload());
    const cached = await generate(page, request(device));
    const warm: DebugClip[] = [];
    for (let i = 0; i < ROUNDS; i++) warm.push(await generate(page, request(device)));
    // Memory from one more warm job, apart from the timed ones: reading smaps_rollup walks each process's page
    // tables and slowed the jobs it sampled 2-3x (session 27: a 187 ms step read 666 ms).
    const idle = browserMemory(profile);
    const sampler = sampleBrowserMemory(profile);
    let peak: BrowserMemory;
    try {
      await generate(page, request(device));
    } finally {
      peak = sampler.stop();
    }
    const heaps = await pageHeaps(page);
    const estimates = [];
    for (const size of device === 'wasm' ? OTHER_SIZES : []) {
      const job = { ...SIZE, ...size, guidance_scale: 1 };
      await generate(page, request(device, size)); // compiles the sessions for these shapes
      const actual = (await generate(page, request(device, size))).elapsedMs / 1000;
      const estimated = estimateJobSeconds(manifest, job, measuredFrom(warm[0]!, device));
      estimates.push({ label: `${size.width}×${size.height}×${size.num_frames}`, estimated, actual });
    }
    const load = (c: DebugClip) => c.timings.loadMs + c.timings.compileMs;
    return {
      loadColdMs: load(cold),
      loadCachedMs: load(cached),
      firstMs: cold.elapsedMs,
      warm,
      peak,
      idle,
      heaps,
      estimates,
    };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * The page's and its workers' memory by scope (Window, DedicatedWorkerGlobalScope), from
 * `performance.measureUserAgentSpecificMemory` (cross-origin isolated pages only; it waits for a garbage
 * collection, up to ~20 s). Empty where the browser does not offer it.
 */
async function pageHeaps(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    type Entry = { bytes: number; attribution: { scope: string }[] };
    const measure = (
      performance as Performance & {
        measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: Entry[] }>;
      }
    ).measureUserAgentSpecificMemory;
    if (!crossOriginIsolated || !measure) return {};
    const result = await measure.call(performance);
    const byScope: Record<string, number> = {};
    for (const entry of result.breakdown) {
      const scope = entry.attribution[0]?.scope ?? 'shared';
      byScope[scope] = (byScope[scope] ?? 0) + entry.bytes;
    }
    return byScope;
  });
}

/** A graph's median time per job, and its runs per job. */
const graphMs = (clips: DebugClip[], names: string[]) =>
  median(clips.map((c) => names.reduce((sum, g) => sum + (c.timings.graphs[g]?.ms ?? 0), 0)));
const ortMs = (t: JobTimings) => Object.values(t.graphs).reduce((sum, g) => sum + g.ms, 0);
/** The job's time in neither ONNX Runtime nor the encoder: the page-independent JS of the job (previews included). */
const outsideShare = (c: DebugClip) => (c.elapsedMs - ortMs(c.timings) - c.timings.encodeMs) / c.elapsedMs;

async function encoders(): Promise<[number, number]> {
  const profile = await mkdtemp(path.join(tmpdir(), 'phosphene-engine-enc-'));
  const context = await chromium.launchPersistentContext(profile, { ...playwrightConfig.use?.launchOptions });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/?debug`);
    await page.waitForFunction(() => window.phosphene !== undefined);
    const times: Record<string, number[]> = { webcodecs: [], 'ffmpeg.wasm': [] };
    for (let i = 0; i <= ROUNDS; i++)
      for (const encoder of ['webcodecs', 'ffmpeg.wasm'] as const) {
        const clip = await generate(page, request('wasm', { num_inference_steps: 1 }), encoder);
        if (i > 0) times[encoder]!.push(clip.timings.encodeMs); // round 0 warms (ffmpeg.wasm loads)
      }
    return [median(times.webcodecs!), median(times['ffmpeg.wasm']!)];
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

try {
  // BENCH_DEVICES=wasm leaves out SwiftShader's column here, which takes ~20 minutes on two cores.
  const devices = (process.env.BENCH_DEVICES ?? 'wasm,webgpu').split(',') as ('wasm' | 'webgpu')[];
  const columns = {
    wasm: await measure('wasm'),
    webgpu: devices.includes('webgpu') ? await measure('webgpu') : null,
  };
  const [webcodecs, ffmpeg] = await encoders();
  const steps = SIZE.num_inference_steps;
  const row = (label: string, f: (c: Column) => number, unit = 'ms', digits = 0) => {
    const a = f(columns.wasm);
    const b = columns.webgpu ? f(columns.webgpu) : Number.NaN;
    const ratio = a > 0 && !Number.isNaN(b) ? `${(b / a).toFixed(2)}×` : '—';
    const cell = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(digits)).padStart(9);
    console.log(`${label.padEnd(36)} ${cell(a)} ${unit.padEnd(3)} ${cell(b)} ${unit.padEnd(3)} ${ratio.padStart(8)}`);
  };
  console.log(
    `\nEngine, headless Chromium, ${MODEL} ${SIZE.width}×${SIZE.height}×${SIZE.num_frames}, ${steps} steps, guidance 1; warm rows: median of ${ROUNDS}`,
  );
  console.log(`${'stage'.padEnd(36)} ${'wasm'.padStart(13)} ${'webgpu (SwiftShader)'.padStart(20)} webgpu/wasm`);
  row('model load, cold', (c) => c.loadColdMs);
  row('model load, cached files', (c) => c.loadCachedMs);
  row('first job over a warm one', (c) => c.firstMs - median(c.warm.map((w) => w.elapsedMs)));
  row('prompt encode (text encoder)', (c) => graphMs(c.warm, ['text_encoder']));
  row('denoising step', (c) => graphMs(c.warm, ['denoiser']) / steps);
  row('decode (VAE graphs)', (c) => graphMs(c.warm, ['vae_decoder_trunk', 'vae_decoder']));
  row('MP4 encode (WebCodecs)', (c) => median(c.warm.map((w) => w.timings.encodeMs)));
  row('previews, per step', (c) => median(c.warm.map((w) => w.timings.previewMs)) / steps, 'ms', 2);
  row(
    'preview / step',
    (c) => (100 * median(c.warm.map((w) => w.timings.previewMs))) / graphMs(c.warm, ['denoiser']),
    '%',
    2,
  );
  row('whole warm job', (c) => median(c.warm.map((w) => w.elapsedMs)));
  row('outside ORT and encoder', (c) => 100 * median(c.warm.map(outsideShare)), '%', 1);
  const mib = (bytes: number | undefined) => (bytes ?? 0) / 2 ** 20;
  row('browser peak PSS (all processes)', (c) => mib(c.peak.pss), 'MiB');
  row('  before the jobs', (c) => mib(c.idle.pss), 'MiB');
  row('  summed RSS at the peak (overcounts)', (c) => mib(c.peak.rss), 'MiB');
  const types = [...new Set(Object.values(columns).flatMap((c) => (c ? Object.keys(c.peak.byType) : [])))].sort();
  for (const type of types) row(`  peak PSS: ${type}`, (c) => mib(c.peak.byType[type]), 'MiB');
  const scopes = [...new Set(Object.values(columns).flatMap((c) => (c ? Object.keys(c.heaps) : [])))].sort();
  const scopeName: Record<string, string> = { DedicatedWorkerGlobalScope: 'worker', Window: 'page' };
  for (const scope of scopes) row(`  JS heap after: ${scopeName[scope] ?? scope}`, (c) => mib(c.heaps[scope]), 'MiB');
  for (const e of columns.wasm.estimates)
    console.log(
      `time estimate from the 256×144×17 job, WASM, ${e.label}: estimated ${e.estimated.toFixed(1)} s, ran ${e.actual.toFixed(1)} s (${((100 * (e.estimated - e.actual)) / e.actual).toFixed(0)} %)`,
    );
  console.log(
    `\nMP4 encode of the same frames (${SIZE.width}×${SIZE.height}×${SIZE.num_frames}), median of ${ROUNDS}: WebCodecs ${webcodecs.toFixed(0)} ms, ffmpeg.wasm ${ffmpeg.toFixed(0)} ms → ${(ffmpeg / webcodecs).toFixed(1)}×`,
  );
} finally {
  close();
}
