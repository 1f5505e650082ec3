/**
 * Models this browser keeps for offline use: the service worker's runtime cache (`phosphene-models`,
 * see vite.config.ts) holds every package file fetched under `/models/<folder>/`. Listed by folder with
 * their sizes, and deletable; a deleted model downloads again on its next use.
 */

import { MODEL_CACHE } from '../../shared/model-cache';

/** One package folder as cached here. */
export interface InstalledModel {
  folder: string;
  files: number;
  bytes: number;
}

/** The cached package folders, largest first; empty where the browser has no Cache Storage. */
export async function listInstalled(): Promise<InstalledModel[]> {
  if (typeof caches === 'undefined' || !(await caches.has(MODEL_CACHE))) return [];
  const cache = await caches.open(MODEL_CACHE);
  const byFolder = new Map<string, InstalledModel>();
  for (const request of await cache.keys()) {
    const folder = /^\/models\/([^/]+)\//.exec(new URL(request.url).pathname)?.[1];
    if (!folder) continue;
    const response = await cache.match(request);
    const bytes = response ? (await response.blob()).size : 0;
    const entry = byFolder.get(folder) ?? { folder, files: 0, bytes: 0 };
    entry.files++;
    entry.bytes += bytes;
    byFolder.set(folder, entry);
  }
  return [...byFolder.values()].sort((a, b) => b.bytes - a.bytes);
}

/** Deletes a cached package folder's files. */
export async function deleteInstalled(folder: string): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(MODEL_CACHE);
  for (const request of await cache.keys())
    if (new URL(request.url).pathname.startsWith(`/models/${folder}/`)) await cache.delete(request);
}
