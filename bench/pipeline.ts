/**
 * Pipeline stage timings for one request on two runtimes side by side, in one process and one run:
 * onnxruntime-node (CPU EP, the server's path) and onnxruntime-web's WASM build (the browser's path on
 * devices without a hardware WebGPU adapter), plus the Node MP4 encoder. Ratios are what to read; the
 * absolute times on a shared 2-core machine move 1.5–2× from run to run.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import * as ortWeb from 'onnxruntime-web/webgpu';
import { ortNodeBackend } from '../src/pipeline/backend/ort-node';
import { createWebBackend } from '../src/pipeline/backend/ort-web';
import type { OrtBackend } from '../src/pipeline/backend/types';
import { loadModelPackage } from '../src/pipeline/model-package/load';
import { resolveParams } from '../src/pipeline/params';
import { textToVideo } from '../src/pipeline/text-to-video';
import { createVideoPipeline } from '../src/pipeline/video-pipeline';
import type { ProgressEvent } from '../src/shared/protocol';
import { fsPackageSource } from '../server/models/fs-package-source';
import { encodeMp4Node } from '../server/video/encode-mp4-node';

/** Stage → milliseconds for one job. */
type Timings = Record<string, number>;

const MODEL_DIR = process.env.BENCH_MODEL ?? 'models/phosphene-random';
const REQUEST = {
  prompt: 'two yellow stars drifting up over a night sky',
  width: 256,
  height: 144,
  num_frames: 17,
  num_inference_steps: 4,
  seed: 7,
};

/** A runtime under test with its pipeline compiled for the request's shapes. */
interface Contender {
  label: string;
  run(): Promise<Timings>;
  release(): Promise<void>;
}

async function contender(
  label: string,
  backend: OrtBackend,
  device: 'cpu' | 'wasm',
  variant?: string,
): Promise<Contender> {
  const pkg = await loadModelPackage(fsPackageSource(MODEL_DIR), { variant });
  const pipe = createVideoPipeline(pkg, backend, device);
  const params = resolveParams(pkg.manifest, REQUEST);
  // A first job compiles the sessions for this shape; timed jobs reuse them, as a second click would.
  await textToVideo(pipe, params, {});
  const run = async (): Promise<Timings> => {
    const t: Timings = {};
    const started = performance.now();
    let last = started;
    let stage = 'encode-prompt';
    const mark = (next: string) => {
      const now = performance.now();
      t[stage] = (t[stage] ?? 0) + (now - last);
      last = now;
      stage = next;
    };
    const onProgress = (e: ProgressEvent) => {
      if (e.type === 'step' && stage === 'encode-prompt') mark('denoise (all steps)');
      else if (e.type === 'decode') mark('vae decode');
    };
    const result = await textToVideo(pipe, params, { onProgress });
    mark('done');
    delete t.done;
    t['total pipeline'] = performance.now() - started;
    const encodeStart = performance.now();
    await encodeMp4Node(result.frames, { fps: 16 });
    t['mp4 encode (node, same for all)'] = performance.now() - encodeStart;
    return t;
  };
  return { label, run, release: () => pipe.release() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Node's fetch cannot read file: URLs, so hand onnxruntime-web its WASM binary directly.
const wasmFile = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm');
ortWeb.env.wasm.wasmBinary = await readFile(wasmFile);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const wasm = createWebBackend({ numThreads: 1 });
const contenders = [
  await contender('node cpu fp32', ortNodeBackend, 'cpu'),
  await contender('wasm fp32', wasm, 'wasm'),
  await contender('wasm q4', wasm, 'wasm', 'q4'),
];
// Alternate the contenders round by round so a load spike from elsewhere hits all alike.
const samples = contenders.map(() => [] as Timings[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, c] of contenders.entries()) samples[i]!.push(await c.run());
}
await Promise.all(contenders.map((c) => c.release()));

console.log(
  `\nPipeline stages, ${MODEL_DIR}, ${REQUEST.width}×${REQUEST.height}×${REQUEST.num_frames}, ${REQUEST.num_inference_steps} steps, warm sessions, median of ${ROUNDS} alternating rounds; ratios vs ${contenders[0]!.label}`,
);
console.log(`${'stage'.padEnd(34)}${contenders.map((c) => c.label.padStart(22)).join('')}`);
for (const stage of Object.keys(samples[0]![0]!)) {
  const medians = samples.map((runs) => median(runs.map((t) => t[stage]!)));
  const cells = medians.map((m, i) => `${m.toFixed(0)} ms${i === 0 ? '' : ` (${(m / medians[0]!).toFixed(2)}×)`}`);
  console.log(`${stage.padEnd(34)}${cells.map((c) => c.padStart(22)).join('')}`);
}
