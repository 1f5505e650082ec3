/**
 * `npm run bench -- server`: how the API answers while a job runs. Starts `server/index.ts` as `npm start`
 * does (one supervised worker process, embedded database), submits one job on the built-in package, and
 * polls `/health` and the job's status every 20 ms until it ends; prints p50/p99/max of each. The
 * target (issue 10) is p99 under 50 ms; before supervised workers, `/health` took seconds during a job.
 * BENCH_JOB='{"width":854,"height":480,"num_frames":17}' changes the job.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServerProcess } from '../tests/helpers/server-process';

const job = {
  prompt: 'a red circle moving left on a navy background',
  width: 854,
  height: 480,
  num_frames: 17,
  num_inference_steps: 4,
  ...(JSON.parse(process.env.BENCH_JOB ?? '{}') as object),
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `n=${s.length}  p50 ${percentile(s, 0.5).toFixed(1)} ms  p99 ${percentile(s, 0.99).toFixed(1)} ms  max ${s.at(-1)!.toFixed(1)} ms`;
};

const server = await startServerProcess({ MODEL_DIRS: path.resolve('models'), LOG_LEVEL: 'warn' });
try {
  const headers = { 'X-API-Key': server.key, 'content-type': 'application/json' };
  let failures = 0;
  // A failed request (a reset connection, say) counts as a failure and as the time it took.
  const timed = async (url: string) => {
    const started = performance.now();
    try {
      const res = await fetch(url, { headers });
      const body = (await res.json()) as { status?: string };
      return { ms: performance.now() - started, body };
    } catch {
      failures++;
      return { ms: performance.now() - started, body: { status: 'processing' } };
    }
  };
  const submitted = await fetch(`${server.url}/api/v1/inference/submit`, {
    method: 'POST',
    headers,
    body: JSON.stringify(job),
  });
  const { request_id: id } = (await submitted.json()) as { request_id: string };
  const health: number[] = [];
  const status: number[] = [];
  const started = performance.now();
  let state = 'queued';
  while (state === 'queued' || state === 'processing') {
    health.push((await timed(`${server.url}/health`)).ms);
    const polled = await timed(`${server.url}/api/v1/inference/status/${id}`);
    status.push(polled.ms);
    state = polled.body.status ?? 'unknown';
    await sleep(20);
  }
  console.log(
    `job ${job.width}×${job.height}×${job.num_frames}, ${job.num_inference_steps} steps: ${state} after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`GET /health during the job:             ${summary(health)}`);
  console.log(`GET /api/v1/inference/status during it: ${summary(status)}`);
  console.log(`failed requests: ${failures}`);
} finally {
  await server.stop();
}
