/**
 * CORS for a playground served from another origin: only the origins the operator lists can read the
 * API's answers; preflights are answered before the key check; other origins get no CORS headers.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database';
import { createApp } from '../../server/app';
import { readConfig } from '../../server/config';
import { scanModelDirs } from '../../server/models/registry';
import { openTestDatabase } from '../helpers/databases';

const PAGE = 'http://127.0.0.1:5173';

describe('CORS', () => {
  let app: ReturnType<typeof createApp>;
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    app = createApp({ registry: await scanModelDirs([]), distDir: '/nonexistent', db, corsOrigins: [PAGE] });
  });
  afterAll(() => db?.close());

  it('answers a listed origin’s preflight before the key check, with the headers the playground sends', async () => {
    const res = await request(app)
      .options('/api/v1/inference/submit')
      .set('Origin', PAGE)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-api-key, content-type, idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toMatch(
      /X-API-Key.*Content-Type.*Idempotency-Key.*Last-Event-ID/,
    );
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('lets a listed origin read an answer (a 401 too, so the page can say the key is wrong)', async () => {
    const res = await request(app).get('/api/v1/account').set('Origin', PAGE);
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-expose-headers']).toContain('Retry-After');
  });

  it('gives any other origin no CORS headers, so its page cannot read the API', async () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1:5174', 'null']) {
      const res = await request(app).get('/api/v1/models').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await request(app)
        .options('/api/v1/account')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('sends nothing extra when no origin is listed', async () => {
    const plain = createApp({ registry: await scanModelDirs([]), distDir: '/nonexistent' });
    const res = await request(plain).get('/health').set('Origin', PAGE);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary ?? '').not.toMatch(/Origin/);
  });
});

describe('CORS_ORIGINS and CONNECT_SRC', () => {
  it('are lists of origins', () => {
    const config = readConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173', CONNECT_SRC: '' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.connectSrc).toEqual([]);
  });

  it('refuse anything but an origin, by name', () => {
    for (const bad of ['*', 'https://app.example.com/path', 'ftp://x.example', 'app.example.com'])
      expect(() => readConfig({ CORS_ORIGINS: bad })).toThrow(
        /CORS_ORIGINS: ".*" is not an origin like https:\/\/app\.example\.com/,
      );
    expect(() => readConfig({ CONNECT_SRC: 'javascript:alert(1)' })).toThrow(/CONNECT_SRC/);
  });
});
