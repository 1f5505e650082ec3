/**
 * Request and response shapes of the account and API-key routes (`/api/v1/account…`, `/api/v1/keys…`).
 * zod/mini, to keep classic zod out of the page's bundle: the OpenAPI document reads them through `classicSchema`,
 * and adds the fields' descriptions (`server/openapi/account-paths.ts`).
 */
import { z } from './zod-mini';

const int = () => z.number().check(z.int());

/** Query of `GET /api/v1/account/ledger`. */
export const ledgerQuerySchema = z.object({
  page: z._default(z.coerce.number().check(z.int(), z.gte(1)), 1),
  page_size: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
});

/** Body of `POST /api/v1/keys`; an unknown field is a 400. */
export const createKeyBodySchema = z.strictObject({
  name: z._default(z.string().check(z.trim(), z.maxLength(100)), ''),
});

/** Answer of `GET /api/v1/account`: balance in credits and in exact micro-credits. */
export const accountResponseSchema = z.object({
  user_id: z.string(),
  email: z.string(),
  tier: z.enum(['starter', 'standard', 'pro']),
  concurrent_jobs: int(),
  balance: z.number(),
  balance_microcredits: int(),
  storage: z.object({
    used_bytes: int(),
    quota_bytes: int(),
    images_bytes: int(),
    loras_bytes: int(),
    videos_bytes: int(),
  }),
});

/** One credit ledger entry; `microcredits` is the stored integer, `credits` the same for people. */
export const ledgerEntrySchema = z.object({
  id: int(),
  kind: z.enum(['grant', 'charge', 'refund', 'adjustment']),
  job_id: z.nullable(z.string()),
  credits: z.number(),
  microcredits: int(),
  note: z.string(),
  created_at: z.string(),
});

/** Answer of `GET /api/v1/account/ledger`: one page, newest first. */
export const ledgerResponseSchema = z.object({
  entries: z.array(ledgerEntrySchema),
  page: int(),
  page_size: int(),
  total: int(),
});

/** An API key as listed; its secret is never shown again. */
export const apiKeySchema = z.object({
  key_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  revoked_at: z.nullable(z.string()),
});

/** Answer of `GET /api/v1/keys`. */
export const keysResponseSchema = z.object({ keys: z.array(apiKeySchema) });

/** Answer of `POST /api/v1/keys`: the key with its secret, shown this once. */
export const createdKeySchema = z.extend(apiKeySchema, { api_key: z.string(), warning: z.string() });
