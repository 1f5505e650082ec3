/** The models list and our account and API-key endpoints in the OpenAPI registry. */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  accountResponseSchema,
  apiKeySchema,
  createdKeySchema,
  createKeyBodySchema,
  keysResponseSchema,
  ledgerQuerySchema,
  ledgerResponseSchema,
} from '../../src/shared/account-schemas';
import { modelsResponseSchema } from '../../src/shared/models-schemas';
import { systemInfoSchema } from '../../src/shared/system-schemas';
import { authErrors, classicObject, described, idParam, json, withApiKey } from './common';

/** The account as documented: the shared schema with a description of `storage`. */
const accountDoc = described(classicObject(accountResponseSchema), {
  storage: 'Ours: what you store against your quota (uploads and submits past it answer 413).',
});

/** Registers `GET /models` and the account and key routes. */
export function registerAccountPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/models',
    summary: 'List the models, one entry per package and mode (no API key)',
    tags: ['Models'],
    responses: { 200: json(modelsResponseSchema, 'The models.') },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/system-info',
    summary: 'This server node: machine, memory, queue and inference worker processes (not in Phosor)',
    tags: ['System'],
    security: withApiKey,
    responses: { 200: json(systemInfoSchema, 'The node’s state now.'), ...authErrors() },
  });
  const tags = ['Account'];
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account',
    summary: 'Your account: tier and balance',
    tags,
    security: withApiKey,
    responses: { 200: json(accountDoc, 'The account.'), ...authErrors() },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/account/ledger',
    summary: 'Your credit ledger, newest first',
    tags,
    security: withApiKey,
    request: { query: classicObject(ledgerQuerySchema) },
    responses: { 200: json(ledgerResponseSchema, 'One page of entries.'), ...authErrors({ 400: true }) },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/keys',
    summary: 'List your API keys',
    tags,
    security: withApiKey,
    responses: { 200: json(keysResponseSchema, 'Your keys, without secrets.'), ...authErrors() },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/keys',
    summary: 'Create an API key',
    tags,
    security: withApiKey,
    request: { body: json(createKeyBodySchema, 'An optional name.') },
    responses: {
      201: json(createdKeySchema, 'The key and its secret, shown this once.'),
      ...authErrors({ 400: 'Invalid body (`validation_error`) or 10 keys already (`key_limit_reached`).' }),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/keys/{key_id}',
    summary: 'Revoke an API key',
    tags,
    security: withApiKey,
    request: { params: idParam('key_id', 'The key’s id.') },
    responses: {
      200: json(apiKeySchema, 'The key, now revoked.'),
      ...authErrors({ 404: 'No such key among yours (`not_found`).' }),
    },
  });
}
