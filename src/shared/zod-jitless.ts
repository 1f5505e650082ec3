/**
 * Imported first by each browser entry: zod 4 probes for `new Function` before its first parse to pick
 * a faster code path, which the server's CSP (no 'unsafe-eval') reports as a violation. Jitless
 * parsing is plenty for our small schemas (https://zod.dev/packages/core, `z.config`). The setting is
 * zod's core's, shared by classic zod (the page) and zod/mini (the worker).
 */
import { config } from 'zod/mini';

config({ jitless: true });
