/**
 * The Cache Storage cache that holds model package files for offline use: the service worker stores every
 * file fetched under `/models/<folder>/` in it (vite.config.ts), and the settings' "Download for offline
 * use" writes a whole package into it at once.
 */
export const MODEL_CACHE = 'phosphene-models';
