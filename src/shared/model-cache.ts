/**
 * The Cache Storage cache that holds model package files for offline use: the service worker stores every
 * file fetched under `/models/<folder>/` in it (vite.config.ts), and the settings' "Download for offline
 * use" writes a whole package into it at once.
 */
export const MODEL_CACHE = 'phosphene-models';

/**
 * Packages the settings import (from any URL, or from a folder on this computer) are kept in the same
 * cache under `/local-models/<folder>/`: same-origin URLs that no server answers, read from the cache
 * directly (the worker's package source), so they work without a service worker and without a network.
 */
export const IMPORTED_MODELS_PATH = '/local-models/';

/** The folder an imported package is kept in: its manifest id (`owner/name/mode`) with `-` for `/`. */
export const importedFolder = (manifestId: string): string => manifestId.replaceAll('/', '-');

/** The most files a picked folder may hold: a package has a handful, a wrong pick (a home folder) thousands. */
export const MAX_PICKED_FILES = 500;
