/**
 * `server/index.ts` as `npm start` runs it: the API process supervises an inference worker process and
 * never loads onnxruntime itself, and a worker killed mid-job leaves the API answering.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemInfoSchema } from '../../src/shared/system-schemas';
import { hasOnnxRuntimeLoaded, workerPids, startServerProcess, type ServerProcess } from '../helpers/server-process';

const SMALL = { prompt: 'a red ball', width: 64, height: 64, num_frames: 5, num_inference_steps: 1 };

describe('the server process', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ WORKERS: '1', LOG_LEVEL: 'info' });
  });
  afterAll(() => server?.stop());

  const api = async (method: string, route: string, body?: object) => {
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers: { 'X-API-Key': server.key, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const waitForEnd = async (id: string) => {
    for (;;) {
      const { body } = await api('GET', `/api/v1/inference/status/${id}`);
      if (body.status === 'completed' || body.status === 'failed') return body;
      await sleep(25);
    }
  };

  it('runs a job in a child process; only the child has onnxruntime loaded', async () => {
    const submitted = await api('POST', '/api/v1/inference/submit', SMALL);
    expect(submitted.status).toBe(200);
    expect(await waitForEnd(submitted.body.request_id as string)).toMatchObject({ status: 'completed' });
    const workers = workerPids(server.pid);
    expect(workers).toHaveLength(1);
    expect(hasOnnxRuntimeLoaded(workers[0]!)).toBe(true);
    expect(hasOnnxRuntimeLoaded(server.pid)).toBe(false);
  });

  it('shows its worker process, queue and models in /system-info', async () => {
    const { status, body } = await api('GET', '/api/v1/system-info');
    expect(status).toBe(200);
    expect(systemInfoSchema.parse(body)).toMatchObject({
      cuda_available: false,
      queue: { queued: 0, processing: 0, capacity: 100 },
      workers: { processes: [{ pid: workerPids(server.pid)[0], busy: false, rss_mb: expect.any(Number) }] },
      models: expect.arrayContaining(['phosphene/tiny-test/text-to-video']),
    });
    expect((await fetch(`${server.url}/api/v1/system-info`)).status).toBe(401);
  });

  it('logs a worker killed while idle, replaces it, and the API keeps answering', async () => {
    const [before] = workerPids(server.pid);
    process.kill(before!, 'SIGKILL');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    let after: number | undefined;
    while (!after) {
      after = workerPids(server.pid).find((pid) => pid !== before);
      await sleep(25);
    }
    // The log line may reach our pipe a moment after the replacement started.
    const deathLine = () =>
      server
        .output()
        .split('\n')
        .find((line) => line.includes(`"pid":${before}`) && line.includes('inference worker died'));
    while (!deathLine()) await sleep(25);
    const death = deathLine();
    expect(JSON.parse(death!)).toMatchObject({ jobId: null, signal: 'SIGKILL', lastRssMb: expect.any(Number) });
    const submitted = await api('POST', '/api/v1/inference/submit', SMALL);
    expect(await waitForEnd(submitted.body.request_id as string)).toMatchObject({ status: 'completed' });
  });

  it('stops its worker processes when it stops', async () => {
    const workers = workerPids(server.pid);
    await server.stop();
    for (const pid of workers) while (isAlive(pid)) await sleep(25);
    expect(workers.filter(isAlive)).toEqual([]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
