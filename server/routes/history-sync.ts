/**
 * Ours: a browser's clips in its owner's server history, so every device shows the same gallery.
 * `PUT /inference/history/{client_id}` records a clip's recipe (free, idempotent by the client id) and
 * `PUT /inference/history/{client_id}/video` its MP4, once; `PUT …/{client_id}/images/{slot}` a conditioning
 * image, once per slot, which `GET …/{request_id}/images/{slot}` hands back to its owner only;
 * `DELETE /inference/history/{request_id}` deletes a finished entry on every device (a tombstone that sync
 * hands on), its MP4 and its images. Behind `requireApiKey`.
 */
import express, { Router, type RequestHandler } from 'express';
import { CLIP_IMAGE_SLOTS, type ClipImageSlot } from '../../src/shared/clip-recipe';
import { localRecordSchema } from '../../src/shared/phosor-requests';
import { authOf } from '../auth/api-key';
import type { Database } from '../db/database';
import { HttpError } from '../http-error';
import { ImageError } from '../images/image-info';
import { inspectImage } from '../images/inspect-image';
import { findClipImage, removeClipImages, saveClipImage } from '../jobs/clip-images';
import { JobNotFoundError } from '../jobs/errors';
import { attachLocalVideo, findUserJob, markJobDeleted, recordLocalJob } from '../jobs/job-store';
import type { VideoStorage } from '../jobs/video-storage';
import { checkStorageQuota, DEFAULT_STORAGE_QUOTA_BYTES } from '../storage/quota';
import { parseRequest, rejectUnstorableParam } from '../validation';

/** The largest MP4 a device may upload (a 1080p clip of Phosor's 81 frames is a few MB). */
export const MAX_LOCAL_VIDEO_BYTES = 256 * 2 ** 20;
/** The largest conditioning image a device may upload with its clip (Phosor's image upload takes as much). */
export const MAX_CLIP_IMAGE_BYTES = 10 * 2 ** 20;
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

const rawImage = express.raw({ type: () => true, limit: MAX_CLIP_IMAGE_BYTES });

/** The body as bytes whatever its declared type (the content decides), too large named as such. */
const imageBody: RequestHandler<{ client_id: string; slot: string }> = (req, res, next) =>
  rawImage(req, res, (error?: unknown) =>
    next(
      (error as { type?: string } | undefined)?.type === 'entity.too.large'
        ? new HttpError(
            413,
            'file_too_large',
            `Invalid upload: the image is larger than ${MAX_CLIP_IMAGE_BYTES / 2 ** 20} MiB, the most a clip's conditioning image may be.`,
          )
        : error,
    ),
  );

/** What the sync routes need. */
export interface HistorySyncOptions {
  storage: VideoStorage;
  storageQuotaBytes?: number;
}

/** The sync routes; mount behind `requireApiKey`. */
export function historySyncRouter(db: Database, options: HistorySyncOptions): Router {
  const router = Router();
  router.param('client_id', rejectUnstorableParam);
  router.param('request_id', rejectUnstorableParam);
  router.param('client_id', (_req, _res, next, id: string) => {
    next(
      CLIENT_ID.test(id)
        ? undefined
        : new HttpError(
            400,
            'validation_error',
            'Invalid request: client_id: must be 8 to 64 letters, digits, - or _ (a UUID).',
          ),
    );
  });
  router.param('slot', (_req, _res, next, slot: string) => {
    next(
      (CLIP_IMAGE_SLOTS as readonly string[]).includes(slot)
        ? undefined
        : new HttpError(400, 'validation_error', `Invalid request: slot: must be ${CLIP_IMAGE_SLOTS.join(' or ')}.`),
    );
  });
  const notRecorded = (clientId: string) =>
    new HttpError(
      404,
      'not_found',
      `No synced clip ${clientId} among yours; PUT its recipe to /api/v1/inference/history/${clientId} first.`,
    );
  const find = async (userId: string, clientId: string) => {
    const { rows } = await db.query<{ id: string; video_key: string | null }>(
      'SELECT id, video_key FROM jobs WHERE user_id = $1 AND client_id = $2',
      [userId, clientId],
    );
    return rows[0];
  };

  router.put('/inference/history/:client_id', express.json({ limit: '64kb' }), async (req, res) => {
    const body = parseRequest(localRecordSchema, req.body ?? {});
    const { job, created } = await recordLocalJob(db, {
      userId: authOf(res).user.id,
      clientId: req.params.client_id,
      modelId: body.model,
      params: {
        prompt: body.prompt,
        negative_prompt: body.negative_prompt,
        width: body.width,
        height: body.height,
        num_frames: body.num_frames,
        num_inference_steps: body.num_inference_steps,
        guidance_scale: body.guidance_scale,
        seed: body.seed,
        frames_per_second: body.frames_per_second,
      },
      createdAt: body.created_at === undefined ? undefined : new Date(body.created_at),
      recipe: body.recipe,
    });
    res.status(created ? 201 : 200).json({ request_id: job.id, client_id: job.clientId, created });
  });

  router.put(
    '/inference/history/:client_id/video',
    express.raw({ type: 'video/mp4', limit: MAX_LOCAL_VIDEO_BYTES }),
    async (req, res) => {
      const userId = authOf(res).user.id;
      const record = await find(userId, req.params.client_id);
      if (!record) throw notRecorded(req.params.client_id);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // An MP4 starts with its ftyp box: size (4 bytes) then "ftyp".
      if (bytes.length < 12 || bytes.toString('latin1', 4, 8) !== 'ftyp')
        throw new HttpError(
          400,
          'validation_error',
          'Invalid request: body: must be an MP4 file sent as Content-Type: video/mp4.',
        );
      if (record.video_key) {
        res.json({ request_id: record.id, stored: false });
        return;
      }
      await checkStorageQuota(db, userId, options.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES, bytes.length);
      const key = await options.storage.write(record.id, bytes);
      // Two uploads racing for one clip write the same key; the one that loses the update leaves the file,
      // which is the winner's (or the same clip's) now.
      const stored = await attachLocalVideo(db, record.id, key, bytes.length);
      res.json({ request_id: record.id, stored });
    },
  );
  // Sent before the MP4, so an entry that lists has_video already lists its images too.
  router.put('/inference/history/:client_id/images/:slot', imageBody, async (req, res) => {
    const userId = authOf(res).user.id;
    const record = await find(userId, req.params.client_id);
    if (!record) throw notRecorded(req.params.client_id);
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let contentType: string;
    try {
      ({ contentType } = await inspectImage(bytes, MAX_CLIP_IMAGE_BYTES));
    } catch (error) {
      if (error instanceof ImageError) throw new HttpError(400, 'invalid_image', `Invalid upload: ${error.message}`);
      throw error;
    }
    const slot = req.params.slot as ClipImageSlot;
    await checkStorageQuota(db, userId, options.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES, bytes.length);
    const stored = await saveClipImage(db, { jobId: record.id, userId, slot }, { contentType, bytes });
    res.json({ request_id: record.id, slot, stored });
  });
  router.get('/inference/history/:request_id/images/:slot', async (req, res) => {
    const userId = authOf(res).user.id;
    const id = req.params.request_id;
    // Another user's clip is as absent as a missing one.
    if (!(await findUserJob(db, userId, id))) throw new JobNotFoundError(id);
    const image = await findClipImage(db, userId, id, req.params.slot as ClipImageSlot);
    if (!image)
      throw new HttpError(
        404,
        'not_found',
        `Job ${id} has no ${req.params.slot} stored; its history entry lists the ones it has (clip_images).`,
      );
    res.set({ 'Content-Type': image.contentType, 'Cache-Control': 'private, no-store' });
    res.end(image.bytes);
  });
  router.delete('/inference/history/:request_id', async (req, res) => {
    const userId = authOf(res).user.id;
    const job = await findUserJob(db, userId, req.params.request_id);
    if (!job) throw new JobNotFoundError(req.params.request_id);
    if (job.status === 'queued' || job.status === 'processing')
      throw new HttpError(
        409,
        'job_active',
        `Job ${job.id} is still ${job.status}; cancel it first (POST /api/v1/inference/cancel/${job.id}), then delete it.`,
      );
    const videoKey = await db.transaction(async (tx) => {
      const key = await markJobDeleted(tx, job.id);
      await removeClipImages(tx, job.id);
      return key;
    });
    // Marked first, as retention does: a download that starts now gets 410, not a file that vanishes under it.
    if (videoKey) await options.storage.remove(videoKey);
    res.json({ request_id: job.id, deleted: true });
  });
  return router;
}
