/** Request and response shapes of the account and API-key routes (`/api/v1/account…`, `/api/v1/keys…`). */
import { z } from 'zod';

/** Query of `GET /api/v1/account/ledger`. */
export const ledgerQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

/** Body of `POST /api/v1/keys`; an unknown field is a 400. */
export const createKeyBodySchema = z.strictObject({ name: z.string().trim().max(100).default('') });

/** Answer of `GET /api/v1/account`: balance in credits and in exact micro-credits. */
export const accountResponseSchema = z.object({
  user_id: z.string(),
  email: z.string(),
  tier: z.enum(['starter', 'standard', 'pro']),
  concurrent_jobs: z.number().int(),
  balance: z.number(),
  balance_microcredits: z.number().int(),
  storage: z
    .object({
      used_bytes: z.number().int(),
      quota_bytes: z.number().int(),
      images_bytes: z.number().int(),
      loras_bytes: z.number().int(),
      videos_bytes: z.number().int(),
    })
    .meta({ description: 'Ours: what you store against your quota (uploads and submits past it answer 413).' }),
});

/** One credit ledger entry; `microcredits` is the stored integer, `credits` the same for people. */
export const ledgerEntrySchema = z.object({
  id: z.number().int(),
  kind: z.enum(['grant', 'charge', 'refund', 'adjustment']),
  job_id: z.string().nullable(),
  credits: z.number(),
  microcredits: z.number().int(),
  note: z.string(),
  created_at: z.string(),
});

/** Answer of `GET /api/v1/account/ledger`: one page, newest first. */
export const ledgerResponseSchema = z.object({
  entries: z.array(ledgerEntrySchema),
  page: z.number().int(),
  page_size: z.number().int(),
  total: z.number().int(),
});

/** An API key as listed; its secret is never shown again. */
export const apiKeySchema = z.object({
  key_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});

/** Answer of `GET /api/v1/keys`. */
export const keysResponseSchema = z.object({ keys: z.array(apiKeySchema) });

/** Answer of `POST /api/v1/keys`: the key with its secret, shown this once. */
export const createdKeySchema = apiKeySchema.extend({ api_key: z.string(), warning: z.string() });
