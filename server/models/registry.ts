/** Finds the model packages in the configured folders and keeps their validated manifests. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest, type ModelManifest } from '../../src/pipeline/model-package/manifest';

/** One model package found on disk. */
export interface RegisteredModel {
  /** Folder name; the package is served under `/models/<slug>/`. */
  slug: string;
  dir: string;
  manifest: ModelManifest;
}

/** A problem with one package folder; the others still load. */
export interface RegistryProblem {
  dir: string;
  message: string;
}

/** The model packages of a server, by slug. */
export interface ModelRegistry {
  models: RegisteredModel[];
  problems: RegistryProblem[];
  bySlug(slug: string): RegisteredModel | undefined;
}

/** Scans each folder for sub-folders holding a `model.json`; the first folder wins on a name clash. */
export async function scanModelDirs(roots: string[]): Promise<ModelRegistry> {
  const models: RegisteredModel[] = [];
  const problems: RegistryProblem[] = [];
  for (const root of roots) {
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (error) {
      problems.push({ dir: root, message: `cannot read model folder: ${(error as Error).message}` });
      continue;
    }
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = path.join(root, entry.name);
      const manifestPath = path.join(dir, 'model.json');
      let text: string;
      try {
        text = await readFile(manifestPath, 'utf8');
      } catch {
        continue; // a folder without model.json is not a package (scripts, data, the world definition)
      }
      if (models.some((m) => m.slug === entry.name)) {
        problems.push({ dir, message: `a package named ${entry.name} was already found; this one is ignored` });
        continue;
      }
      try {
        models.push({ slug: entry.name, dir, manifest: parseManifest(JSON.parse(text), manifestPath) });
      } catch (error) {
        problems.push({ dir, message: (error as Error).message });
      }
    }
  }
  // Trained packages before random-weight skeletons, so the default (the first text-to-video package)
  // is a model that draws the prompt; otherwise the folder order holds (a stable sort).
  models.sort((a, b) => Number(a.manifest.weights === 'random') - Number(b.manifest.weights === 'random'));
  return { models, problems, bySlug: (slug) => models.find((m) => m.slug === slug) };
}
