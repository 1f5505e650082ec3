/**
 * Models this browser keeps: the service worker's runtime cache (`phosphene-models`, see vite.config.ts)
 * holds every package file fetched under `/models/<folder>/`, and the settings' "Add a model" keeps
 * imported packages under `/local-models/<folder>/`. Listed by folder with their sizes, and deletable; a
 * deleted server model downloads again on its next use, a deleted imported one is gone.
 */

import { IMPORTED_MODELS_PATH, MODEL_CACHE } from '../../shared/model-cache';
import { modelChoice, type ModelChoice } from './catalog';

/** One package folder as kept here. */
export interface InstalledModel {
  folder: string;
  files: number;
  bytes: number;
  /** Added from a URL or a folder (kept under `/local-models/`), not one of the server's. */
  imported: boolean;
}

const folderPattern = /^\/(models|local-models)\/([^/]+)\//;
const prefix = (m: { folder: string; imported: boolean }) =>
  `${m.imported ? IMPORTED_MODELS_PATH : '/models/'}${m.folder}/`;

async function modelCache(): Promise<Cache | null> {
  if (typeof caches === 'undefined' || !(await caches.has(MODEL_CACHE))) return null;
  return caches.open(MODEL_CACHE);
}

/** The kept package folders, largest first; empty where the browser has no Cache Storage. */
export async function listInstalled(): Promise<InstalledModel[]> {
  const cache = await modelCache();
  if (!cache) return [];
  const byFolder = new Map<string, InstalledModel>();
  for (const request of await cache.keys()) {
    const match = folderPattern.exec(new URL(request.url).pathname);
    if (!match) continue;
    const response = await cache.match(request);
    const bytes = response ? (await response.blob()).size : 0;
    const key = match[0];
    const entry = byFolder.get(key) ?? { folder: match[2]!, files: 0, bytes: 0, imported: match[1] === 'local-models' };
    entry.files++;
    entry.bytes += bytes;
    byFolder.set(key, entry);
  }
  return [...byFolder.values()].sort((a, b) => b.bytes - a.bytes);
}

/** Deletes a kept package folder's files. */
export async function deleteInstalled(model: { folder: string; imported: boolean }): Promise<void> {
  const cache = await modelCache();
  if (!cache) return;
  for (const request of await cache.keys())
    if (new URL(request.url).pathname.startsWith(prefix(model))) await cache.delete(request);
}

/**
 * The imported packages as catalog entries (id `local:<folder>`), read from the cache: they run offline and
 * are never offered to the server. One whose manifest no longer parses is left out and named in `problems`.
 */
export async function loadImported(): Promise<{ models: ModelChoice[]; problems: string[] }> {
  const cache = await modelCache();
  const models: ModelChoice[] = [];
  const problems: string[] = [];
  for (const request of cache ? await cache.keys() : []) {
    const match = folderPattern.exec(new URL(request.url).pathname);
    if (match?.[1] !== 'local-models' || !request.url.endsWith(`${match[0]}model.json`)) continue;
    try {
      const json: unknown = await (await cache!.match(request))!.json();
      models.push(modelChoice(`local:${match[2]}`, request.url, json, true));
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { models, problems };
}
