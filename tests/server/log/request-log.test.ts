import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { createKey } from '../../../server/accounts/keys';
import { createUser } from '../../../server/accounts/users';
import { createApp } from '../../../server/app';
import { fsVideoStorage } from '../../../server/jobs/video-storage';
import { createLogger } from '../../../server/log/logger';
import { redactUrl } from '../../../server/log/request-log';
import { scanModelDirs } from '../../../server/models/registry';
import { useTestDatabase } from '../../helpers/databases';
import { FIXTURE_MODELS } from '../jobs/inference-harness';

/** A logger whose lines land in `lines`. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('request logging', () => {
  const db = useTestDatabase('pglite');

  const appWith = async (logger: ReturnType<typeof capture>['logger']) =>
    createApp({
      registry: await scanModelDirs([FIXTURE_MODELS]),
      distDir: '/nonexistent',
      db: db(),
      jobs: { storage: fsVideoStorage('/tmp/phosphene-log-test-videos') },
      logger,
    });

  describe('a request that succeeds', () => {
    it('writes one line with its id, route, status and latency, and no credential', async () => {
      const { lines, logger } = capture();
      const user = await createUser(db(), { email: 'log@example.test', tier: 'pro', initialMicro: 1_000 });
      const key = (await createKey(db(), user.id)).secret;
      const res = await request(await appWith(logger))
        .get('/api/v1/account')
        .set('X-API-Key', key)
        .set('Cookie', 'session=abc')
        .expect(200);
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!);
      expect(line).toMatchObject({
        level: 30,
        msg: 'GET /api/v1/account 200',
        route: '/api/v1/account',
        req: { id: res.headers['x-request-id'], method: 'GET', url: '/api/v1/account' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      });
      expect(lines[0]).not.toContain(key.slice(4));
      expect(lines[0]).not.toContain('session=abc');
      expect(lines[0]!.match(/"route"/g)).toHaveLength(1);
    });
  });

  describe('a request whose database statement fails', () => {
    it('answers 500 and writes one line with the error, without the prompt or the SQL detail', async () => {
      const { lines, logger } = capture();
      const user = await createUser(db(), { email: 'log500@example.test', tier: 'pro', initialMicro: 1_000_000 });
      const key = (await createKey(db(), user.id)).secret;
      // A failing row's DETAIL quotes the row, prompt included: what a raw error dump leaked.
      await db().exec("ALTER TABLE jobs ADD CONSTRAINT refuse_all CHECK (model_id = 'none') NOT VALID");
      try {
        const prompt = 'my private prompt about a red ball';
        const res = await request(await appWith(logger))
          .post('/api/v1/inference/submit')
          .set('X-API-Key', key)
          .send({ prompt, width: 64, height: 64, num_frames: 5 })
          .expect(500);
        expect(res.body.error.code).toBe('internal_error');
        expect(lines).toHaveLength(1);
        if (process.env.PRINT_LOG_LINE) console.log(lines[0]);
        const line = JSON.parse(lines[0]!);
        expect(line).toMatchObject({
          level: 50,
          msg: 'POST /api/v1/inference/submit 500',
          res: { statusCode: 500 },
          err: { code: '23514', message: expect.stringContaining('refuse_all') },
        });
        expect(lines[0]).not.toContain(prompt);
        expect(lines[0]).not.toContain(key.slice(4));
        expect(lines[0]).not.toMatch(/INSERT INTO/);
      } finally {
        await db().exec('ALTER TABLE jobs DROP CONSTRAINT refuse_all');
      }
    });
  });

  describe('a request the client leaves before the answer ends', () => {
    it('writes one warn line that says so', async () => {
      const { lines, logger } = capture();
      const user = await createUser(db(), { email: 'log-abort@example.test', tier: 'pro', initialMicro: 1_000_000 });
      const key = (await createKey(db(), user.id)).secret;
      const app = await appWith(logger);
      const submitted = await request(app)
        .post('/api/v1/inference/submit')
        .set('X-API-Key', key)
        .send({ prompt: 'a red ball', width: 64, height: 64, num_frames: 5 })
        .expect(200);
      lines.length = 0;
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        // The events stream of a queued job stays open: the client hangs up once it has the headers.
        const req = http.get({
          host: '127.0.0.1',
          port,
          path: `/api/v1/inference/events/${submitted.body.request_id}`,
          headers: { 'X-API-Key': key },
        });
        const [res] = (await once(req, 'response')) as [http.IncomingMessage];
        expect(res.statusCode).toBe(200);
        req.destroy();
        await vi.waitFor(() => expect(lines).toHaveLength(1));
        expect(JSON.parse(lines[0]!)).toMatchObject({
          level: 40,
          msg: 'GET /api/v1/inference/events/:request_id 200 (the client went away first)',
        });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });
  });

  describe('redactUrl', () => {
    it('blanks signed-URL signatures and keys in the query', () => {
      expect(redactUrl('/api/v1/inference/video/job_1?expires=9&signature=abc123')).toBe(
        '/api/v1/inference/video/job_1?expires=9&signature=[redacted]',
      );
      expect(redactUrl('/x?q=phk_abcdefgh12345678')).toBe('/x?q=phk_abcdefgh…[redacted]');
    });
  });
});
