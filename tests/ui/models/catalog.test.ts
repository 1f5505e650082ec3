import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app';
import { scanModelDirs } from '../../../server/models/registry';
import { loadCatalog } from '../../../src/ui/models/catalog';

describe('loadCatalog against a real server', () => {
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let base = '';
  beforeAll(async () => {
    const registry = await scanModelDirs([path.resolve('tests/fixtures/models')]);
    server = createApp({ registry, distDir: '/nonexistent' }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists each text-to-video package once, leaving out Phosor’s aliases of it', async () => {
    const { body } = await fetch(`${base}/api/v1/models`).then(async (r) => ({
      body: (await r.json()) as { models: { model_id: string; alias_of?: string }[] },
    }));
    expect(body.models.some((m) => m.alias_of)).toBe(true);
    const { models, problems } = await loadCatalog(base);
    expect(problems).toEqual([]);
    const ids = models.map((m) => m.modelId);
    expect(ids).not.toContain('wan/2.2-14b/text-to-video');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('phosphene/tiny-test/text-to-video');
  });

  it("gives the bytes a job downloads: the default variant's graphs and the tokenizer, from the manifest", async () => {
    const { models } = await loadCatalog(base);
    const tiny = models.find((m) => m.modelId === 'phosphene/tiny-test/text-to-video')!;
    const manifest = JSON.parse(readFileSync('tests/fixtures/models/phosphene-tiny/model.json', 'utf8')) as {
      files: { path: string; size: number }[];
      variants: Record<string, { files: Record<string, string> }>;
      default_variant: string;
      tokenizer: { file: string };
    };
    const wanted = [...Object.values(manifest.variants[manifest.default_variant]!.files), manifest.tokenizer.file];
    const size = (p: string) => manifest.files.find((f) => f.path === p)!.size;
    expect(tiny.downloadBytes).toBe(wanted.reduce((sum, p) => sum + size(p), 0));
    expect(tiny.downloadBytes).toBeGreaterThan(0);
  });
});
