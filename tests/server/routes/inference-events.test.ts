import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobEventSchema } from '../../../src/shared/phosor-schemas';
import { MAX_STREAMS_PER_USER } from '../../../server/routes/inference-events';
import { DATABASE_KINDS, useTestDatabase } from '../../helpers/databases';
import { inferenceHarness, SMALL, type InferenceHarness } from '../jobs/inference-harness';

interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

describe.each(DATABASE_KINDS)('GET /api/v1/inference/events/{request_id} on %s', (kind) => {
  const db = useTestDatabase(kind);
  let h: InferenceHarness;
  let server: ReturnType<InferenceHarness['app']['listen']>;
  let base = '';
  beforeAll(async () => {
    h = await inferenceHarness(db());
    server = h.appWith({ eventsPollMs: 20, queueSnapshotMs: 0 }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a stream a failed test left open must not hold the close for a minute
      }),
  );

  /** Reads the whole stream (it ends by itself after the final event) and parses it. */
  const listen = (key: string, id: string, lastEventId?: string, onFirstEvent?: () => void) =>
    new Promise<{ status: number; type: string; events: SseEvent[]; text: string }>((resolve, reject) => {
      const headers: Record<string, string> = { 'X-API-Key': key };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      const req = httpRequest(`${base}/api/v1/inference/events/${id}`, { headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          const before = text;
          text += chunk.toString();
          if (!before.includes('data: ') && text.includes('data: ')) onFirstEvent?.();
        });
        res.on('end', () => {
          const events = text
            .split('\n\n')
            .filter((block) => block.includes('data: '))
            .map((block) => {
              const field = (name: string) =>
                block
                  .split('\n')
                  .find((l) => l.startsWith(`${name}: `))
                  ?.slice(name.length + 2);
              return { id: field('id')!, event: field('event')!, data: JSON.parse(field('data')!) };
            });
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), events, text });
        });
      });
      req.on('error', reject);
      req.end();
    });
  const submit = async (key: string) => {
    const res = await fetch(`${base}/api/v1/inference/submit`, {
      method: 'POST',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ ...SMALL, num_inference_steps: 4 }),
    });
    return ((await res.json()) as { request_id: string }).request_id;
  };

  it('streams queued, the stages in order and completed, then ends', async () => {
    const { key } = await h.user(1_000_000);
    const id = await submit(key);
    // The worker starts once the stream has said `queued`, so that event cannot be missed.
    let worker: ReturnType<InferenceHarness['worker']> | undefined;
    const streaming = listen(key, id, undefined, () => (worker = h.worker()));
    try {
      const { status, type, events } = await streaming;
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/event-stream/);
      const data = events.map((e) => jobEventSchema.parse(e.data));
      expect(data[0]).toMatchObject({ request_id: id, status: 'queued', stage: 'queued', queue_position: 1 });
      expect(data.at(-1)).toMatchObject({
        status: 'completed',
        stage: 'completed',
        progress: 100,
        step: 4,
        total_steps: 4,
      });
      expect(events.at(-1)!.event).toBe('completed');
      const order = [
        'queued',
        'loading',
        'encoding_prompt',
        'denoising',
        'decoding',
        'encoding_video',
        'storing',
        'completed',
      ];
      const stages = data.map((d) => order.indexOf(d.stage));
      expect(stages).toEqual([...stages].sort((a, b) => a - b));
      const progress = data.map((d) => d.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      // Reconnecting with the final id: nothing more will come, and 204 says so.
      expect((await listen(key, id, events.at(-1)!.id)).status).toBe(204);
      // With an older id, the client gets the current state at once.
      const resumed = await listen(key, id, events[0]!.id);
      expect(resumed.events.map((e) => e.event)).toEqual(['completed']);
    } finally {
      await worker?.stop();
    }
  });

  it('ends a failed job with its error', async () => {
    const { key } = await h.user(1_000_000);
    const id = await submit(key);
    await fetch(`${base}/api/v1/inference/cancel/${id}`, { method: 'POST', headers: { 'X-API-Key': key } });
    const { events } = await listen(key, id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'failed', data: { stage: 'failed', error: { code: 'cancelled' } } });
  });

  it('holds at most MAX_STREAMS_PER_USER streams per user, and a closed one frees its slot', async () => {
    const { key } = await h.user(1_000_000);
    const id = await submit(key);
    const open = (): Promise<{ status: number; close(): void }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${base}/api/v1/inference/events/${id}`, { headers: { 'X-API-Key': key } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode!, close: () => req.destroy() });
        });
        req.on('error', () => undefined);
        req.on('timeout', reject);
        req.end();
      });
    const streams: { status: number; close(): void }[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_USER; i++) streams.push(await open());
      expect(streams.map((s) => s.status)).toEqual(Array(MAX_STREAMS_PER_USER).fill(200));
      const refused = await open();
      expect(refused.status).toBe(429);
      streams.pop()!.close();
      // The server notices the closed socket at its next poll; on a loaded machine that can take a while,
      // so the wait is bounded by time, not by a count of 20 ms tries.
      const deadline = Date.now() + 15_000;
      let again = await open();
      while (again.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        again = await open();
      }
      streams.push(again);
      expect(again.status).toBe(200);
    } finally {
      // Even when an expectation fails: an open stream would keep the server from closing after the suite.
      for (const s of streams) s.close();
    }
    await fetch(`${base}/api/v1/inference/cancel/${id}`, { method: 'POST', headers: { 'X-API-Key': key } });
  });

  it('is 404 for another user’s job, as JSON before any stream starts', async () => {
    const owner = await h.user(1_000_000);
    const other = await h.user(1_000_000);
    const id = await submit(owner.key);
    const { status, type, text } = await listen(other.key, id);
    expect(status).toBe(404);
    expect(type).toMatch(/^application\/json/);
    expect(JSON.parse(text).error.code).toBe('job_not_found');
    await fetch(`${base}/api/v1/inference/cancel/${id}`, { method: 'POST', headers: { 'X-API-Key': owner.key } });
  });
});
