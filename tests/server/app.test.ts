import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { scanModelDirs } from '../../server/models/registry';
import { writeTestPackage } from '../helpers/model-package';

let app: ReturnType<typeof createApp>;
let problems: { dir: string; message: string }[];

beforeAll(async () => {
  const root = await writeTestPackage('good', 'test/good/text-to-video');
  await mkdir(path.join(root, 'broken'));
  await writeFile(path.join(root, 'broken', 'model.json'), JSON.stringify({ format: 'phosphene-model/1', id: 'x' }));
  await mkdir(path.join(root, 'not-a-package'));
  const dist = await mkdtemp(path.join(tmpdir(), 'phosphene-dist-'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Phosphene</title>');
  const registry = await scanModelDirs([root]);
  problems = registry.problems;
  app = createApp({ registry, distDir: dist, version: '9.9.9' });
});

describe('GET /health', () => {
  it('answers ok with the version and model count', async () => {
    const res = await request(app).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', version: '9.9.9', models: 1 });
  });
});

describe('GET /api/v1/models', () => {
  describe('with one valid and one broken package', () => {
    it('lists the valid one in Phosor shape, and Phosor’s id as an alias of it', async () => {
      const res = await request(app).get('/api/v1/models').expect(200);
      const entry = {
        model_id: 'test/good/text-to-video',
        model_type: 'video',
        model_mode: 'text-to-video',
        description: 'A package written by a test',
        metadata: expect.objectContaining({ manifest_url: '/models/good/model.json', weights: 'random' }),
      };
      expect(res.body.models).toEqual([
        expect.objectContaining(entry),
        expect.objectContaining({ ...entry, model_id: 'wan/2.2-14b/text-to-video', alias_of: entry.model_id }),
      ]);
    });
    it('reports the broken one with the failing field', () => {
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(
        /not a valid Phosphene model manifest: .*id must look like owner\/name\/mode/,
      );
    });
  });
  it('needs no API key', async () => {
    await request(app).get('/api/v1/models').expect(200);
  });
});

describe('GET /models/:slug/*', () => {
  it('serves model.json and listed files', async () => {
    const res = await request(app).get('/models/good/model.json').expect(200);
    expect(res.body.id).toBe('test/good/text-to-video');
    await request(app).get('/models/good/te.onnx').expect(200);
  });
  describe('when the file is not listed or escapes the package', () => {
    it.each([
      '/models/good/secret.txt',
      '/models/good/..%2F..%2Fetc%2Fpasswd',
      '/models/nope/model.json',
      '/models/broken/model.json',
    ])('%s is a JSON 404', async (url) => {
      const res = await request(app).get(url).expect(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });
});

describe('static app and headers', () => {
  it('serves the built page cross-origin isolated', async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.text).toContain('Phosphene');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp');
  });
  it('answers unknown API routes with the JSON error shape', async () => {
    const res = await request(app).get('/api/v1/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No API route GET /api/v1/nope.' } });
  });
});
