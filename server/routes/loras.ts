/** LoRA management: list, status, soft delete (`/api/v1/loras…`). Another user's LoRA is a 404. */
import { Router } from 'express';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { removeLoraFiles } from '../loras/files';
import { deleteUserLora } from '../loras/lifecycle';
import { findUserLora, listUserLoras } from '../loras/loras';
import type { FileStore } from '../storage/file-store';
import { rejectUnstorableParam } from '../validation';
import { loraJson, loraStatusJson } from './storage-json';

const notFound = (id: string) =>
  new HttpError(404, 'not_found', `No LoRA ${id} among your LoRAs (deleted and expired ones are gone).`);

/** The LoRA routes; mount behind `requireApiKey`. */
export function lorasRouter(db: Database, files: FileStore): Router {
  const router = Router();
  router.param('lora_id', rejectUnstorableParam);

  router.get('/loras', async (_req, res) => {
    res.json({ loras: (await listUserLoras(db, authOf(res).user.id)).map(loraJson) });
  });

  router.get('/loras/:lora_id/status', async (req, res) => {
    const lora = await findUserLora(db, authOf(res).user.id, req.params.lora_id);
    if (!lora) throw notFound(req.params.lora_id);
    res.json(loraStatusJson(lora));
  });

  router.delete('/loras/:lora_id', async (req, res) => {
    const lora = await deleteUserLora(db, authOf(res).user.id, req.params.lora_id);
    if (!lora) throw notFound(req.params.lora_id);
    // A processing LoRA's upload or import is still writing; it removes its files when it finds the row deleted.
    if (lora.status !== 'processing') await removeLoraFiles(files, lora.id);
    res.json({ lora_id: lora.id, deleted: true });
  });

  return router;
}
