/** Builds the Express app: the Phosor-compatible API, the model files and the built playground. */
import express, { type ErrorRequestHandler } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { systemInfoRouter } from './routes/system-info';
import { inferenceEventsRouter } from './routes/inference-events';
import { historySyncRouter } from './routes/history-sync';
import { requireApiKey } from './auth/api-key';
import { bodyTimeout } from './body-timeout';
import { RateLimiter, type RateLimitOptions } from './auth/rate-limit';
import type { Database } from './db/database';
import { HttpError } from './http-error';
import { logErrorWith, requestLogger } from './log/request-log';
import type { ModelRegistry } from './models/registry';
import { cors } from './cors';
import { securityHeaders } from './security-headers';
import { docsRouter } from './openapi/docs';
import { accountRouter } from './routes/account';
import { inferenceRouter, videoDownloadRouter, type InferenceOptions } from './routes/inference';
import { modelFilesRouter } from './routes/model-files';
import { modelsRouter } from './routes/models';
import { storageApi } from './routes/storage';
import type { StorageOptions } from './storage/options';

/** What `createApp` needs; nothing here listens or reads the environment. */
export interface AppConfig {
  registry: ModelRegistry;
  /** The Vite build output; when absent the API still works and `/` says how to build. */
  distDir: string;
  version?: string;
  /** The migrated database; without it only the unauthenticated routes exist. */
  db?: Database;
  /** Per-user request limit, counted in the database; Phosor's 1000 / 60 s when absent. */
  rateLimit?: RateLimitOptions;
  /** Where uploads, imports and LoRAs are stored; with `db`, mounts `/api/v1/storage/…` and `/api/v1/loras…`. */
  storage?: StorageOptions;
  /** The inference API's video storage, queue capacity and hooks; with `db`, mounts `/api/v1/inference/…`. */
  jobs?: InferenceOptions;
  /** Where one line per request goes (`server/log/logger.ts`'s in the server); absent, nowhere. */
  logger?: Logger;
  /** How long a request outside the upload routes may take to send its body (default 30 s). */
  bodyTimeoutMs?: number;
  /** Origins whose pages may call the API (`CORS_ORIGINS`). */
  corsOrigins?: readonly string[];
  /** Other servers the playground served from here may call (`CONNECT_SRC`, the CSP's connect-src). */
  connectSrc?: readonly string[];
}

const jsonErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: { code: error.code, message: error.message } });
    return;
  }
  const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message = status === 500 ? 'Internal server error; the server log has the details.' : String(error.message);
  // The request's one log line carries the error, summarised and redacted (request-log.ts).
  if (status === 500) logErrorWith(res, error);
  res.status(status).json({ error: { code: status === 500 ? 'internal_error' : 'bad_request', message } });
};

/** Creates the app without listening, so tests can drive it with supertest. */
export function createApp(config: AppConfig): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: no Phosor client revalidates them, and hashing each status poll's body cost
  // more than it could save. Static files keep theirs (express.static sets its own).
  app.set('etag', false);
  app.use(requestLogger(config.logger ?? pino({ level: 'silent' })));
  app.use(bodyTimeout(config.bodyTimeoutMs));
  app.use(securityHeaders(config.connectSrc));
  // Before the API's routes and its key check: preflights carry no key.
  const corsFor = cors(config.corsOrigins ?? []);
  app.use('/api/v1', corsFor);
  app.use('/health', corsFor);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', version: config.version ?? '0.0.0', models: config.registry.models.length });
  });
  // The OpenAPI document of /api/v1 and Swagger UI, both from the zod schemas the routes validate with.
  app.use(docsRouter(config.version));
  app.use('/api/v1', modelsRouter(config.registry, config.jobs?.memoryBudgetMb, config.jobs?.modelAliases ?? true));
  if (config.db) {
    // Result URLs are signed: Phosor clients download them without an X-API-Key.
    if (config.jobs) app.use('/api/v1', videoDownloadRouter(config.db, config.jobs));
    // Every API route below this line needs an X-API-Key (Phosor: all but /models).
    app.use('/api/v1', requireApiKey(config.db, new RateLimiter(config.db, config.rateLimit)));
    // Inference first: status polling is most of the traffic, and each router passed on the way costs.
    if (config.jobs) app.use('/api/v1', inferenceRouter(config.db, config.registry, config.jobs));
    app.use('/api/v1', accountRouter(config.db, config.storage?.storageQuotaBytes ?? config.jobs?.storageQuotaBytes));
    if (config.storage) app.use('/api/v1', storageApi(config.db, config.storage));
    if (config.jobs) app.use('/api/v1', inferenceEventsRouter(config.db, config.jobs));
    if (config.jobs) app.use('/api/v1', historySyncRouter(config.db, config.jobs));
    app.use('/api/v1', systemInfoRouter(config.db, config.registry, { version: config.version, ...config.jobs }));
  }
  app.use('/api', (req, _res, next) => {
    next(new HttpError(404, 'not_found', `No API route ${req.method} ${req.originalUrl}.`));
  });
  app.use('/models', modelFilesRouter(config.registry));

  const indexHtml = path.join(config.distDir, 'index.html');
  app.use(
    express.static(config.distDir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        // The service worker and the page must be revalidated so an update reaches users; hashed assets are immutable.
        if (/(sw\.js|index\.html|manifest\.webmanifest)$/.test(file)) res.setHeader('Cache-Control', 'no-cache');
        else if (file.includes(`${path.sep}assets${path.sep}`))
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  app.get('/', (_req, res, next) => {
    if (existsSync(indexHtml)) return next();
    res
      .status(503)
      .type('text/plain')
      .send('The playground is not built yet: run `npm run build` (or `npm start`, which builds first).');
  });

  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `Nothing at ${req.method} ${req.path}.`)));
  app.use(jsonErrors);
  return app;
}
