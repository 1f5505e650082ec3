import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../server/accounts/keys';
import { createUser } from '../../server/accounts/users';
import { createApp } from '../../server/app';
import { fsVideoStorage } from '../../server/jobs/video-storage';
import { scanModelDirs } from '../../server/models/registry';
import { openApiDocument } from '../../server/openapi/document';
import { DiskFileStore } from '../../server/storage/file-store';
import { useTestDatabase } from '../helpers/databases';

type App = ReturnType<typeof createApp>;
type Schema = { properties?: Record<string, Schema>; required?: string[]; $ref?: string; [key: string]: unknown };
type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, Schema>; security?: unknown };

/** Phosor's 13 endpoints (docs/reference), as `METHOD /path`. */
const PHOSOR = [
  'GET /api/v1/models',
  'POST /api/v1/inference/submit',
  'GET /api/v1/inference/status/{request_id}',
  'GET /api/v1/inference/result/{request_id}',
  'GET /api/v1/inference/history',
  'POST /api/v1/storage/image/upload',
  'POST /api/v1/storage/image/import',
  'POST /api/v1/storage/lora/upload',
  'POST /api/v1/storage/lora/import',
  'GET /api/v1/loras',
  'GET /api/v1/loras/{lora_id}/status',
  'DELETE /api/v1/loras/{lora_id}',
];

/** Phosor's submit parameters. */
const SUBMIT_PARAMETERS = [
  'prompt',
  'model',
  'width',
  'height',
  'num_frames',
  'frames_per_second',
  'num_inference_steps',
  'guidance_scale',
  'seed',
  'negative_prompt',
  'image_url',
  'lora_id',
  'lora_scale',
];

/** The Express internals the walk reads (router 2.x layers). */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  match(path: string): boolean;
}

/** Every route of the routers `app` mounts at /api/v1, as `METHOD /api/v1/path/{param}`. */
function mountedApiRoutes(app: App): string[] {
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const route = `/api/v1${layer.route.path.replace(/:(\w+)/g, '{$1}')}`;
        return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${route}`);
      }
      return layer.handle.stack ? walk(layer.handle.stack) : [];
    });
  const top = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const apiRouters = top.filter((l) => l.handle.stack && l.match('/api/v1/probe') && !l.match('/probe'));
  return [...new Set(walk(apiRouters))].sort();
}

/** The app with every router mounted: a PGlite database, storage, jobs, the real default model package. */
async function fullApp(db: ReturnType<ReturnType<typeof useTestDatabase>>) {
  const registry = await scanModelDirs([path.resolve('models')]);
  const files = await DiskFileStore.open(await mkdtemp(path.join(tmpdir(), 'phosphene-openapi-files-')));
  const storage = fsVideoStorage(await mkdtemp(path.join(tmpdir(), 'phosphene-openapi-videos-')));
  return createApp({ registry, distDir: '/nonexistent', db, storage: { files }, jobs: { storage } });
}

const document = openApiDocument('1.2.3');
const operations = Object.entries(document.paths ?? {}).flatMap(([p, item]) =>
  ['get', 'post', 'delete', 'put', 'patch'].flatMap((m) => {
    const op = (item as Record<string, Operation | undefined>)[m];
    return op ? [{ key: `${m.toUpperCase()} ${p}`, path: p, op }] : [];
  }),
);
const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;

describe('the OpenAPI document', () => {
  const db = useTestDatabase('pglite');
  let app: App;
  let key: string;
  beforeAll(async () => {
    app = await fullApp(db());
    const user = await createUser(db(), { email: 'openapi@example.test', tier: 'pro', initialMicro: 10_000_000 });
    key = (await createKey(db(), user.id)).secret;
  });

  describe('paths', () => {
    it('lists exactly the routes Express mounts under /api/v1, Phosor’s 13 among them', () => {
      const documented = operations.map((o) => o.key).sort();
      expect(mountedApiRoutes(app)).toEqual(documented);
      expect(documented).toEqual(expect.arrayContaining(PHOSOR));
      expect(documented).toHaveLength(29);
    });

    it('has no documented route the app answers with its "No API route" 404', async () => {
      for (const { key: op, path: p } of operations) {
        const [method, template] = op.split(' ') as ['GET' | 'POST' | 'DELETE', string];
        const url = p.replace(/\{\w+\}/g, 'x');
        const res = await request(app)[method.toLowerCase() as 'get'](url).set('X-API-Key', key);
        expect(res.body?.error?.message ?? '', `${method} ${template}`).not.toMatch(/^No API route/);
      }
    });
  });

  describe('operations', () => {
    it('declare a 2xx answer, each error as { error: { code, message } }, and every path parameter', () => {
      for (const { key: op, path: p, op: operation } of operations) {
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          op,
        ).toBe(true);
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          const schema = (operation.responses[status]!.content as Record<string, { schema: Schema }>)[
            'application/json'
          ];
          expect(schema?.schema.$ref, `${op} ${status}`).toBe('#/components/schemas/Error');
        }
        const params = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = (operation.parameters ?? []).filter((q) => q.in === 'path').map((q) => q.name);
        expect(declared, op).toEqual(params);
      }
      expect(schemas.Error!.properties!.error!.required).toEqual(['code', 'message']);
    });

    it('need the X-API-Key scheme except the models list and the signed download, and say 401 and 429', () => {
      expect(document.components?.securitySchemes?.ApiKey).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
      });
      const open = ['GET /api/v1/models', 'GET /api/v1/inference/video/{request_id}'];
      for (const { key: op, op: operation } of operations) {
        expect(operation.security, op).toEqual(open.includes(op) ? undefined : [{ ApiKey: [] }]);
        if (!open.includes(op))
          expect(Object.keys(operation.responses), op).toEqual(expect.arrayContaining(['401', '429']));
      }
    });

    it('give submit Phosor’s statuses, 400, 401, 402, 404, 429 and 503, our 413 (quota) and the Idempotency-Key ones, 409 and 422', () => {
      const submit = operations.find((o) => o.key === 'POST /api/v1/inference/submit')!.op;
      expect(Object.keys(submit.responses).sort()).toEqual([
        '200',
        '400',
        '401',
        '402',
        '404',
        '409',
        '413',
        '422',
        '429',
        '503',
      ]);
    });

    it('document the Idempotency-Key header on every POST that honours it', () => {
      const honoured = [
        'POST /api/v1/inference/submit',
        'POST /api/v1/storage/image/upload',
        'POST /api/v1/storage/image/import',
        'POST /api/v1/storage/lora/import',
        'POST /api/v1/storage/lora/upload',
      ];
      const withHeader = operations
        .filter((o) =>
          (o.op.parameters ?? []).some(
            (p: { in?: string; name?: string }) => p.in === 'header' && p.name === 'Idempotency-Key',
          ),
        )
        .map((o) => o.key)
        .sort();
      expect(withHeader).toEqual([...honoured].sort());
    });

    it('take uploads as multipart/form-data with binary file parts', () => {
      for (const [op, parts] of [
        ['POST /api/v1/storage/image/upload', ['file']],
        ['POST /api/v1/storage/lora/upload', ['high_noise', 'low_noise']],
      ] as const) {
        const body = (
          operations.find((o) => o.key === op)!.op as { requestBody?: { content: Record<string, { schema: Schema }> } }
        ).requestBody!;
        const form = body.content['multipart/form-data']!.schema;
        for (const part of parts) expect(form.properties![part], `${op} ${part}`).toMatchObject({ format: 'binary' });
        expect(form.required).toEqual(parts);
      }
    });
  });

  describe('the submit body schema', () => {
    const submit = schemas.SubmitRequest!;
    const field = (name: string) => submit.properties![name]!;

    it('has Phosor’s parameter names and our webhook and provider, prompt alone required', () => {
      expect(Object.keys(submit.properties!).sort()).toEqual([...SUBMIT_PARAMETERS, 'webhook', 'provider'].sort());
      expect(submit.required).toEqual(['prompt']);
    });

    it('has Phosor’s defaults and ranges', () => {
      expect(field('num_frames')).toMatchObject({ default: 81 });
      expect(field('width')).toMatchObject({ default: 854 });
      expect(field('height')).toMatchObject({ default: 480 });
      expect(field('num_inference_steps')).toMatchObject({ default: 4 });
      expect(field('negative_prompt')).toMatchObject({ default: '' });
      expect(field('guidance_scale')).toMatchObject({ default: 1, minimum: 1, maximum: 3.5 });
      expect(field('lora_scale')).toMatchObject({ default: 1, minimum: 0, maximum: 2 });
      expect(field('frames_per_second')).toMatchObject({ default: 16, minimum: 4, maximum: 30 });
    });

    it('has an example the real route accepts, and the documented defaults are the ones a job runs with', async () => {
      const example = submit.example as Record<string, unknown>;
      expect(example).toMatchObject({ prompt: expect.any(String), num_frames: 81 });
      const submitted = await request(app).post('/api/v1/inference/submit').set('X-API-Key', key).send(example);
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
      expect(submitted.body).toEqual({ request_id: expect.any(String), status: 'queued' });
      await request(app)
        .post('/api/v1/inference/submit')
        .set('X-API-Key', key)
        .send({ prompt: 'defaults' })
        .expect(200);
      const history = await request(app).get('/api/v1/inference/history').set('X-API-Key', key).expect(200);
      const [onlyPrompt] = history.body.data as Record<string, unknown>[];
      for (const [name, value] of Object.entries(example))
        if (name !== 'prompt' && name !== 'lora_scale') expect(onlyPrompt![name], name).toEqual(value);
    });
  });

  describe('GET /openapi.json', () => {
    it('answers the generated OpenAPI 3.1 document', async () => {
      const res = await request(app).get('/openapi.json').expect(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(res.body.paths).toEqual(JSON.parse(JSON.stringify(document.paths)));
    });
  });

  describe('GET /docs', () => {
    it('redirects to /docs/, so the page’s relative asset URLs stay under /docs/', async () => {
      const res = await request(app).get('/docs').expect(301);
      expect(res.headers.location).toBe('/docs/');
    });

    it('answers HTML whose every asset is same-origin, served with the isolation headers', async () => {
      const page = await request(app).get('/docs/').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const urls = [...page.text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
      expect(urls).toEqual(
        expect.arrayContaining(['./swagger-ui-bundle.js', './swagger-ui.css', './swagger-ui-init.js']),
      );
      for (const url of urls) {
        expect(url, 'a relative URL').toMatch(/^\.\//);
        const asset = await request(app).get(new URL(url, 'http://local/docs/').pathname);
        expect(asset.status, url).toBe(200);
        expect(asset.headers['cross-origin-resource-policy']).toBe('same-origin');
        expect(asset.headers['cross-origin-embedder-policy']).toBe('require-corp');
      }
    });

    it('loads the spec from /openapi.json, without the validator badge that would load from the internet', async () => {
      const init = await request(app).get('/docs/swagger-ui-init.js').expect(200);
      expect(init.text).toContain('"swaggerUrl": "/openapi.json"');
      expect(init.text).toContain('"validatorUrl": null');
      expect(init.text).not.toMatch(/https?:\/\//);
    });

    it('does not serve swagger-ui-dist’s demo page, which loads the Petstore spec from the internet', async () => {
      await request(app).get('/docs/index.html').expect(404);
    });
  });
});
