/**
 * Pipeline stage timings per request size on every runtime side by side, in one process and one run:
 * onnxruntime-node (CPU EP, the server's path), onnxruntime-web's WASM build (the browser's path on
 * devices without a hardware WebGPU adapter) and the PyTorch original (`train/bench.py`, when Python
 * with torch is installed), plus the Node MP4 encoder. Ratios are what to read; the absolute times on a
 * shared 2-core machine move 1.5–2× from run to run.
 *
 * BENCH_MODEL (default models/phosphene-v1), BENCH_SIZES (default 256x144x17,854x480x17,854x480x81),
 * BENCH_ROUNDS (default 3), BENCH_WASM_THREADS (default 1).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ortWeb from 'onnxruntime-web/webgpu';
import { ortNodeBackend } from '../server/inference/ort-node';
import { createWebBackend } from '../src/workers/ort-web';
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

const MODEL_DIR = process.env.BENCH_MODEL ?? 'models/phosphene-v1';
const SIZES = (process.env.BENCH_SIZES ?? '256x144x17,854x480x17,854x480x81').split(',').map((s) => {
  const [width, height, num_frames] = s.split('x').map(Number);
  if (!width || !height || !num_frames) throw new Error(`BENCH_SIZES: "${s}" is not WIDTHxHEIGHTxFRAMES`);
  return { width, height, num_frames };
});
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3); // odd, so the median is one run
const STEPS = 4;
const PROMPT = 'two yellow stars drifting up over a sunset gradient';

/** A runtime under test; `run` times one job of `size` (the first call per size compiles and is not timed). */
interface Contender {
  label: string;
  run(size: (typeof SIZES)[number]): Promise<Timings>;
  release(): Promise<void>;
}

async function ortContender(
  label: string,
  backend: OrtBackend,
  device: 'cpu' | 'wasm',
  variant?: string,
): Promise<Contender> {
  const pkg = await loadModelPackage(fsPackageSource(MODEL_DIR), { variant });
  const pipe = createVideoPipeline(pkg, backend, device);
  const warmed = new Set<string>();
  const run = async (size: (typeof SIZES)[number]): Promise<Timings> => {
    const params = resolveParams(pkg.manifest, { prompt: PROMPT, ...size, num_inference_steps: STEPS, seed: 7 });
    const key = `${size.width}x${size.height}x${size.num_frames}`;
    // A first job compiles the sessions for this shape; timed jobs reuse them, as a second click would.
    if (!warmed.has(key)) {
      await textToVideo(pipe, params, {});
      warmed.add(key);
    }
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
    t['mp4 encode (node)'] = performance.now() - encodeStart;
    return t;
  };
  return { label, run, release: () => pipe.release() };
}

/** The PyTorch original through `train/bench.py`, or null when this machine has no Python with torch. */
function pytorchContender(): Contender | null {
  const script = path.join(MODEL_DIR, 'train', 'bench.py');
  // Debian's python3-torch lives in /usr/bin/python3; a pyenv or venv python3 earlier on PATH may lack it.
  const python = [process.env.PYTHON, 'python3', '/usr/bin/python3'].find(
    (py) => py && spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
  if (!python || !existsSync(script)) {
    console.log(`(no PyTorch column: ${python ? `${script} is missing` : 'no python3 here can import torch'})`);
    return null;
  }
  return {
    label: 'pytorch fp32',
    async run(size) {
      const args = ['--width', size.width, '--height', size.height, '--frames', size.num_frames, '--steps', STEPS];
      const out = spawnSync(python, [path.basename(script), ...args.map(String), '--rounds', '1'], {
        cwd: path.dirname(script),
        encoding: 'utf8',
      });
      if (out.status !== 0) throw new Error(`bench.py failed: ${out.stderr}`);
      return JSON.parse(out.stdout.trim().split('\n').pop()!) as Timings;
    },
    release: async () => {},
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Node's fetch cannot read file: URLs, so hand onnxruntime-web its WASM binary directly.
const wasmFile = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm');
ortWeb.env.wasm.wasmBinary = await readFile(wasmFile);

const wasmThreads = Number(process.env.BENCH_WASM_THREADS ?? 1);
const wasm = createWebBackend({ numThreads: wasmThreads });
const pytorch = pytorchContender();
const contenders = [
  await ortContender('node cpu q4', ortNodeBackend, 'cpu', 'q4'),
  await ortContender('node cpu fp32', ortNodeBackend, 'cpu', 'fp32'),
  await ortContender(`wasm q4 (${wasmThreads} thr)`, wasm, 'wasm', 'q4'),
  ...(pytorch ? [pytorch] : []),
];
for (const size of SIZES) {
  // Alternate the contenders round by round so a load spike from elsewhere hits all alike.
  const samples = contenders.map(() => [] as Timings[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of contenders.entries()) samples[i]!.push(await c.run(size));
  }
  console.log(
    `\nPipeline stages, ${MODEL_DIR}, ${size.width}×${size.height}×${size.num_frames}, ${STEPS} steps, guidance 1, warm sessions, median of ${ROUNDS} alternating rounds; ratios vs ${contenders[0]!.label}`,
  );
  console.log(`${'stage'.padEnd(24)}${contenders.map((c) => c.label.padStart(22)).join('')}`);
  for (const stage of Object.keys(samples[0]![0]!)) {
    const medians = samples.map((runs) => (runs[0]![stage] === undefined ? NaN : median(runs.map((t) => t[stage]!))));
    const cells = medians.map((m, i) =>
      Number.isNaN(m) ? '—' : `${m.toFixed(0)} ms${i === 0 ? '' : ` (${(m / medians[0]!).toFixed(2)}×)`}`,
    );
    console.log(`${stage.padEnd(24)}${cells.map((c) => c.padStart(22)).join('')}`);
  }
}
await Promise.all(contenders.map((c) => c.release()));
