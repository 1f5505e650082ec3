/** The caller's account: balance, ledger and API keys (`/api/v1/account`, `/api/v1/keys`). */
import express, { Router } from 'express';
import type { z } from 'zod';
import {
  createKeyBodySchema,
  ledgerQuerySchema,
  type accountResponseSchema,
  type apiKeySchema,
  type ledgerEntrySchema,
} from '../../src/shared/account-schemas';
import { microToCredits } from '../accounts/credits';
import { createKey, listKeys, revokeKey, type ApiKeyInfo } from '../accounts/keys';
import { balance, ledger, type LedgerEntry } from '../accounts/ledger';
import { CONCURRENT_JOBS } from '../accounts/tiers';
import { authOf } from '../auth/api-key';
import { forgetCachedKeys } from '../auth/key-cache';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { DEFAULT_STORAGE_QUOTA_BYTES, storageUsage } from '../storage/quota';
import { parseRequest, rejectUnstorableParam } from '../validation';

const keyJson = (k: ApiKeyInfo): z.infer<typeof apiKeySchema> => ({
  key_id: k.id,
  name: k.name,
  prefix: k.prefix,
  created_at: k.createdAt.toISOString(),
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

// Credits for people, micro-credits for exact arithmetic: the stored integer is the truth.
const entryJson = (e: LedgerEntry): z.infer<typeof ledgerEntrySchema> => ({
  id: e.id,
  kind: e.kind,
  job_id: e.jobId,
  credits: microToCredits(e.amountMicro),
  microcredits: e.amountMicro,
  note: e.note,
  created_at: e.createdAt.toISOString(),
});

/** The account and key routes; mount behind `requireApiKey`. */
export function accountRouter(db: Database, storageQuotaBytes = DEFAULT_STORAGE_QUOTA_BYTES): Router {
  const router = Router();
  router.param('key_id', rejectUnstorableParam);

  router.get('/account', async (_req, res) => {
    const { user } = authOf(res);
    const micro = await balance(db, user.id);
    const usage = await storageUsage(db, user.id);
    const account: z.infer<typeof accountResponseSchema> = {
      user_id: user.id,
      email: user.email,
      tier: user.tier,
      concurrent_jobs: CONCURRENT_JOBS[user.tier],
      balance: microToCredits(micro),
      balance_microcredits: micro,
      storage: {
        used_bytes: usage.total,
        quota_bytes: storageQuotaBytes,
        images_bytes: usage.images,
        loras_bytes: usage.loras,
        videos_bytes: usage.videos,
      },
    };
    res.json(account);
  });

  router.get('/account/ledger', async (req, res) => {
    const { page, page_size } = parseRequest(ledgerQuerySchema, req.query);
    const { entries, total } = await ledger(db, authOf(res).user.id, { page, pageSize: page_size });
    res.json({ entries: entries.map(entryJson), page, page_size, total });
  });

  router.get('/keys', async (_req, res) => {
    res.json({ keys: (await listKeys(db, authOf(res).user.id)).map(keyJson) });
  });

  router.post('/keys', express.json({ limit: '16kb' }), async (req, res) => {
    const { name } = parseRequest(createKeyBodySchema, req.body ?? {});
    const { key, secret } = await createKey(db, authOf(res).user.id, name);
    res
      .status(201)
      .json({ ...keyJson(key), api_key: secret, warning: 'This is the only time the key is shown; store it now.' });
  });

  router.delete('/keys/:key_id', async (req, res) => {
    const key = await revokeKey(db, req.params.key_id, authOf(res).user.id);
    forgetCachedKeys(db);
    if (!key) throw new HttpError(404, 'not_found', `No API key ${req.params.key_id} among your keys.`);
    res.json(keyJson(key));
  });

  return router;
}
