import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recipeOf } from '../../../src/pipeline/mp4-recipe';
import { packageVersion } from '../../../src/pipeline/package-version';
import { parseManifest } from '../../../src/pipeline/model-package/manifest';
import { resolveParams } from '../../../src/pipeline/params';
import { modelChoice } from '../../../src/ui/models/catalog';
import { recipeModel } from '../../../src/ui/models/recipe-model';

const json = JSON.parse(readFileSync('models/phosphene-v1/model.json', 'utf8')) as Record<string, unknown>;
const manifest = parseManifest(json);
const variant = manifest.default_variant;
const params = resolveParams(manifest, { prompt: 'a red circle moving left', seed: 7 });
const made = recipeOf(manifest.id, params, { variant, model_version: packageVersion(manifest, variant) });
const served = modelChoice(manifest.id, 'http://127.0.0.1/models/phosphene-v1/model.json', json, false);
const imported = modelChoice('local:phosphene-v1-text-to-video', '/local-models/x/model.json', json, true);

describe('recipeModel', () => {
  it('finds a clip of an imported package, whose catalog id is not the manifest id the recipe names', () => {
    expect(imported.modelId).not.toBe(made.model);
    expect(recipeModel([imported], made)).toEqual({ model: imported });
  });

  it('prefers the entry listed under the recipe’s own id, unless only the other has the clip’s weights', () => {
    expect(recipeModel([imported, served], made)?.model).toBe(served);
    const retrained = { ...served, versions: { [variant]: 'ffffffffffff' } };
    expect(recipeModel([imported, retrained], made)).toEqual({ model: imported });
  });

  it('says when the listed weights are not the ones that made the clip', () => {
    const older = { ...made, model_version: '0123456789ab' };
    const found = recipeModel([served], older);
    expect(found?.model).toBe(served);
    expect(found?.versionNote).toContain('0123456789ab');
    expect(found?.versionNote).toContain(served.versions[variant]);
    expect(served.versions[variant]).toBe(packageVersion(manifest, variant));
  });

  it('finds nothing for a model that is not listed', () => {
    expect(recipeModel([served], { ...made, model: 'someone/else/text-to-video' })).toBeNull();
  });
});
