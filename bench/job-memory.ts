/**
 * Measures a job's peak memory (VmHWM of a fresh process: load, generate, encode as the frames decode) at several sizes, the
 * data behind `src/pipeline/memory-estimate.ts`. Each size runs in its own process so peaks don't mix.
 * `npx tsx bench/job-memory.ts [model-dir] [WxHxF …]`; prints one JSON line per size and a fit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { streamFramesNode } from '../server/models/node-generate';
import { generateMp4 } from '../server/video/generate-mp4';

const peakMb = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

async function child(modelDir: string, size: string): Promise<void> {
  const [width, height, numFrames] = size.split('x').map(Number) as [number, number, number];
  const baseline = peakMb();
  const started = Date.now();
  // The server's path: frames into the MP4 encoder as they decode.
  await generateMp4(
    streamFramesNode,
    {
      modelDir,
      params: {
        prompt: 'a red ball',
        width,
        height,
        num_frames: numFrames,
        num_inference_steps: Number(process.env.STEPS ?? 1),
        seed: 1,
        frames_per_second: 16,
      },
    },
    { fps: 16 },
  );
  const line = { modelDir, width, height, numFrames, baselineMb: baseline, peakMb: peakMb(), ms: Date.now() - started };
  console.log(JSON.stringify(line));
}

function parent(modelDir: string, sizes: string[]): void {
  const rows: { width: number; height: number; numFrames: number; peakMb: number }[] = [];
  for (const size of sizes) {
    const run = spawnSync('npx', ['tsx', fileURLToPath(import.meta.url), '--child', modelDir, size], {
      encoding: 'utf8',
    });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !line.startsWith('{')) {
      console.log(`${size}: failed (${run.status}) ${run.stderr.slice(-400)}`);
      continue;
    }
    console.log(line);
    rows.push(JSON.parse(line));
  }
  // Least squares of peak = a + b · (pixels × frames), the shape the estimator uses.
  const xs = rows.map((r) => (r.width * r.height * r.numFrames) / 1e6);
  const ys = rows.map((r) => r.peakMb);
  const n = xs.length;
  if (n < 2) return;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  console.log(`fit: peak ≈ ${(my - b * mx).toFixed(0)} MB + ${b.toFixed(1)} MB per million pixel-frames`);
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!, args[2]!);
else
  parent(
    args[0] ?? 'models/phosphene-random',
    args.length > 1 ? args.slice(1) : ['256x144x5', '256x144x17', '854x480x5'],
  );
