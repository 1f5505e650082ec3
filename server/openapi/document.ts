/** The OpenAPI 3.1 document of `/api/v1`, generated from the zod schemas the routes validate with. */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registerAccountPaths } from './account-paths';
import { API_KEY } from './common';
import { registerInferencePaths } from './inference-paths';
import { registerStoragePaths } from './storage-paths';

/** The generated document (a plain JSON object). */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** A registry holding every `/api/v1` route (errors refer to the `Error` schema) and the `X-API-Key` scheme. */
export function apiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', API_KEY, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Every route but `GET /api/v1/models` and the signed video download needs one.',
  });
  registerAccountPaths(registry);
  registerInferencePaths(registry);
  registerStoragePaths(registry);
  return registry;
}

/** Generates the document; `version` is the server's. */
export function openApiDocument(version = '0.0.0'): OpenApiDocument {
  return new OpenApiGeneratorV31(apiRegistry().definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Phosphene API',
      version,
      description:
        'The Phosor video API (same paths, parameters and shapes) plus Phosphene’s extensions. Errors are `{ "error": { "code", "message" } }`.',
    },
    servers: [{ url: '/' }],
  });
}
