/** Image uploads and imports, LoRA uploads and imports (`/api/v1/storage/…`). */
import express, { Router } from 'express';
import { imageImportBodySchema, loraImportBodySchema } from '../../src/shared/storage-schemas';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { LoraImports } from '../loras/import';
import { discardUpload, uploadLora } from '../loras/upload';
import { FetchFailedError, UrlRefusedError } from '../net/errors';
import { fetchBuffer } from '../net/safe-fetch';
import { collectBytes, storeImage } from '../storage/image-intake';
import { readMultipart } from '../storage/multipart';
import { checkStorageQuota } from '../storage/quota';
import { importFetchOptions, storageSettings, type StorageOptions, type StorageSettings } from '../storage/options';
import { lorasRouter } from './loras';
import { parseRequest } from '../validation';
import { idempotencyKeyOf, jsonFingerprint, partsFingerprint } from '../idempotency/header';
import { claimIdempotencyKey, completeIdempotencyKey } from '../idempotency/keys';
import { REPLAYED_HEADER, respondIdempotently } from '../idempotency/respond';
import { imageJson, loraJson } from './storage-json';

/** Maps a refused or failed fetch to a 400 naming the field. */
function importError(field: string, error: unknown): unknown {
  if (error instanceof UrlRefusedError) return new HttpError(400, 'url_refused', `${field}: ${error.message}`);
  if (error instanceof FetchFailedError) return new HttpError(400, 'import_failed', `${field}: ${error.message}`);
  return error;
}

/** The storage routes; mount behind `requireApiKey`. */
export function storageRouter(db: Database, settings: StorageSettings, imports: LoraImports): Router {
  const router = Router();

  router.post('/storage/image/upload', async (req, res) => {
    const rule = { maxBytes: settings.maxImageBytes };
    let upload: { part: string; bytes: Buffer } | undefined;
    // One image, as `file` (the usual form name) or `image`.
    await readMultipart(req, { files: { file: rule, image: rule }, required: [] }, async (part, stream) => {
      if (upload) throw new HttpError(400, 'validation_error', `Invalid upload: send one image, as "file" or "image".`);
      upload = { part, bytes: Buffer.alloc(0) };
      upload.bytes = await collectBytes(stream, settings.maxImageBytes);
    });
    if (!upload) throw new HttpError(400, 'validation_error', 'Invalid upload: missing part file (the image).');
    const image = upload;
    const fingerprint = () => partsFingerprint([{ name: image.part, bytes: image.bytes }]);
    await respondIdempotently(db, req, res, 'POST /storage/image/upload', fingerprint, async () => {
      await checkStorageQuota(db, authOf(res).user.id, settings.storageQuotaBytes, image.bytes.length);
      const stored = await storeImage(db, settings, {
        userId: authOf(res).user.id,
        ...image,
        field: image.part,
        source: 'upload',
      });
      return { statusCode: 200, body: imageJson(stored) };
    });
  });

  router.post('/storage/image/import', express.json({ limit: '16kb' }), async (req, res) => {
    const body = parseRequest(imageImportBodySchema, req.body ?? {});
    await respondIdempotently(
      db,
      req,
      res,
      'POST /storage/image/import',
      () => jsonFingerprint(req.body),
      async () => {
        const fetched = await fetchBuffer(body.url, importFetchOptions(settings, 'image')).catch((error: unknown) => {
          throw importError('url', error);
        });
        await checkStorageQuota(db, authOf(res).user.id, settings.storageQuotaBytes, fetched.bytes.length);
        const image = await storeImage(db, settings, {
          userId: authOf(res).user.id,
          bytes: fetched.bytes,
          field: 'url',
          source: 'import',
          sourceUrl: body.url,
        });
        return { statusCode: 200, body: imageJson(image) };
      },
    );
  });

  router.post('/storage/lora/upload', async (req, res) => {
    const userId = authOf(res).user.id;
    // The fingerprint is the parts' hashes, known once they are stored: a retry stores its copy, then
    // finds the first answer and discards the copy, so one key never leaves two LoRAs.
    const key = idempotencyKeyOf(req);
    const uploaded = await uploadLora(db, settings, userId, req);
    if (key === undefined) {
      res.json(loraJson(uploaded.lora));
      return;
    }
    const request = { userId, route: 'POST /storage/lora/upload', key, fingerprint: uploaded.fingerprint };
    let replay;
    try {
      replay = await claimIdempotencyKey(db, request);
    } catch (error) {
      await discardUpload(db, settings, uploaded.lora.id, 'Idempotency-Key refused the upload');
      throw error;
    }
    if (replay) {
      await discardUpload(db, settings, uploaded.lora.id, 'a retry of an upload already stored');
      res.setHeader(REPLAYED_HEADER, 'true');
      res.status(replay.statusCode).json(replay.body);
      return;
    }
    const answer = { statusCode: 200, body: loraJson(uploaded.lora) };
    await completeIdempotencyKey(db, request, answer);
    res.json(answer.body);
  });

  router.post('/storage/lora/import', express.json({ limit: '16kb' }), async (req, res) => {
    const body = parseRequest(loraImportBodySchema, req.body ?? {});
    const urls = { high_noise: body.high_noise_url, low_noise: body.low_noise_url };
    // The replay is the answer of the time (status `processing`); GET /loras/{id}/status has the news.
    await respondIdempotently(
      db,
      req,
      res,
      'POST /storage/lora/import',
      () => jsonFingerprint(req.body),
      async () => ({
        statusCode: 200,
        body: loraJson(await imports.start(authOf(res).user.id, urls, body.name)),
      }),
    );
  });

  return router;
}

/** Everything storage adds to `/api/v1`: uploads, imports and LoRA management; mount behind `requireApiKey`. */
export function storageApi(db: Database, options: StorageOptions): Router {
  const settings = storageSettings(options);
  return Router().use(storageRouter(db, settings, new LoraImports(db, settings)), lorasRouter(db, settings.files));
}
