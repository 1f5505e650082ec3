/** Slow request bodies: cut after the body timeout on ordinary routes, allowed on the upload routes. */
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { fsVideoStorage } from '../../server/jobs/video-storage';
import { scanModelDirs } from '../../server/models/registry';
import { DiskFileStore } from '../../server/storage/file-store';
import { useTestDatabase } from '../helpers/databases';
import { FIXTURE_MODELS, inferenceHarness } from './jobs/inference-harness';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';

/** Sends `head` then `body` one byte every `gapMs`; resolves with what came back when the server closes. */
function trickle(port: number, head: string, body: string, gapMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined); // a reset after the server's answer is the point
    socket.on('close', () => {
      closed = true;
      resolve(received);
    });
    socket.write(head);
    void (async () => {
      for (const byte of body) {
        if (closed) return;
        await sleep(gapMs);
        if (!closed) socket.write(byte);
      }
      // The whole body went out: give the server its turn to answer, then end our side.
      await sleep(500);
      if (!closed) socket.end();
    })().catch(reject);
  });
}

describe('body timeout', () => {
  const db = useTestDatabase('pglite');
  let server: Server;
  let port: number;
  let key: string;
  beforeAll(async () => {
    const h = await inferenceHarness(db());
    key = (await h.user(1_000_000)).key;
    const files = await DiskFileStore.open(mkdtempSync(path.join(tmpdir(), 'phosphene-body-timeout-')));
    const app = createApp({
      registry: await scanModelDirs([FIXTURE_MODELS]),
      distDir: '/nonexistent',
      db: db(),
      storage: { files },
      jobs: { storage: fsVideoStorage(mkdtempSync(path.join(tmpdir(), 'phosphene-body-videos-'))) },
      bodyTimeoutMs: 100,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const head = (route: string, type: string, length: number) =>
    `POST ${route} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;

  describe('on the submit route', () => {
    it('answers 408 request_timeout and closes a connection whose body trickles', async () => {
      const body = JSON.stringify({ prompt: 'a red ball, slowly', width: 64, height: 64 });
      const answer = await trickle(port, head('/api/v1/inference/submit', 'application/json', body.length), body, 60);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toContain('"code":"request_timeout"');
    });
  });

  describe('on the image upload route', () => {
    it('waits for a trickling body and answers it (here 400: it holds no image)', async () => {
      const boundary = 'b0undary';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--${boundary}--\r\n`;
      const answer = await trickle(
        port,
        head('/api/v1/storage/image/upload', `multipart/form-data; boundary=${boundary}`, body.length),
        body,
        15,
      );
      // The whole body took longer than the 100 ms timeout to arrive, and still got its answer.
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).not.toContain('request_timeout');
    });
  });
});
