import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanModelDirs } from '../../../server/models/registry';

describe('scanModelDirs', () => {
  let root: string;
  beforeAll(async () => {
    // Two copies of the tiny fixture: "a-random" keeps random weights, "b-trained" says trained.
    root = await mkdtemp(path.join(tmpdir(), 'phosphene-registry-'));
    for (const name of ['a-random', 'b-trained'])
      await cp('tests/fixtures/models/phosphene-tiny', path.join(root, name), { recursive: true });
    const manifestPath = path.join(root, 'b-trained', 'model.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(
      manifestPath,
      JSON.stringify({ ...manifest, id: 'phosphene/trained-copy/text-to-video', weights: 'trained' }),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists trained packages before random-weight ones, so the default draws the prompt', async () => {
    const registry = await scanModelDirs([root]);
    expect(registry.problems).toEqual([]);
    expect(registry.models.map((m) => m.slug)).toEqual(['b-trained', 'a-random']);
  });

  it('makes the shipped trained package the default of the models folder', async () => {
    const registry = await scanModelDirs(['models']);
    expect(registry.models[0]?.manifest.weights).toBe('trained');
    expect(registry.models[0]?.slug).toBe('phosphene-v1');
  });
});
