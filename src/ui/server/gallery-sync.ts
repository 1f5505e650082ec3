/**
 * The gallery the same on every device: clips made here are recorded in the user's server history with
 * their MP4 (idempotent by the clip's id, so a retry or a second tab never duplicates one), and clips the
 * history holds that this device lacks (server jobs, other devices' clips) are downloaded into it. A clip
 * travels with its whole recipe (edit steps, LoRA) and the conditioning images it was made from.
 * Nothing is marked synced until the server has confirmed it, so a clip made offline goes up on the next
 * sync after the network returns.
 */
import { CLIP_IMAGE_SLOTS, clipRecipeSchema, type ClipImageSlot } from '../../shared/clip-recipe';
import type { HistoryRecord } from '../history/record';
import type { HistoryEntry, PhosorClient } from './phosor-client';

/** A clip's conditioning images as image files (PNG from the app's store), by slot. */
export type ClipImageFiles = Partial<Record<ClipImageSlot, Blob>>;

/** The local side of the gallery (IndexedDB in the app; a Map in tests). */
export interface GalleryStore {
  records(): Promise<HistoryRecord[]>;
  video(id: string): Promise<Blob | undefined>;
  images(id: string): Promise<ClipImageFiles>;
  saveRecord(record: HistoryRecord): Promise<void>;
  saveClip(record: HistoryRecord, video: Blob, images: ClipImageFiles): Promise<void>;
  /** Drops a clip deleted on another device (no note: the server knows already). */
  remove(id: string): Promise<void>;
  /** Clips deleted here that the server has not confirmed deleting, by their server request id. */
  pendingDeletions(): Promise<{ id: string; requestId: string }[]>;
  deletionDone(id: string): Promise<void>;
}

/** What one sync did; `since` is what the next sync passes on. */
export interface SyncReport {
  uploaded: number;
  downloaded: number;
  /** Deletions sent to the server, and clips removed here because another device deleted them. */
  deleted: number;
  /** Clips that could not be synced this time, with the reason (they are tried again next time). */
  failed: { id: string; reason: string }[];
  since: string;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Whether this device made the clip (not a server job, not a clip that came in by sync). */
const madeHere = (r: HistoryRecord) => r.device !== 'server' && r.device !== 'elsewhere';

/** The local record of a server history entry this device lacks, for its downloaded MP4. */
function recordOf(entry: HistoryEntry, bytes: number, now: number): HistoryRecord {
  const createdAt = Date.parse(entry.created_at);
  const completedAt = entry.completed_at ? Date.parse(entry.completed_at) : createdAt;
  const server = entry.source === 'server';
  return {
    id: entry.client_id ?? entry.request_id,
    createdAt,
    modelId: entry.model,
    modelUrl: '',
    params: {
      prompt: entry.prompt,
      negative_prompt: entry.negative_prompt,
      width: entry.width,
      height: entry.height,
      num_frames: entry.num_frames,
      num_inference_steps: entry.num_inference_steps,
      guidance_scale: entry.guidance_scale,
      seed: entry.seed,
      frames_per_second: entry.frames_per_second,
    },
    device: server ? 'server' : 'elsewhere',
    encoder: server ? 'server' : 'unknown',
    numFrames: entry.num_frames,
    elapsedMs: Math.max(0, completedAt - createdAt),
    bytes,
    requestId: entry.request_id,
    ...(entry.provider && { provider: entry.provider }),
    syncedAt: now,
  };
}

/** Every entry, deletions included (the server lists tombstones only when asked for changes since a time). */
const FROM_THE_START = '1970-01-01T00:00:00.000Z';

/**
 * Sends this device's deletions, uploads what the server lacks, then brings down what changed since
 * `since`: clips this device lacks, and deletions made on other devices.
 */
export async function syncGallery(client: PhosorClient, store: GalleryStore, since?: string): Promise<SyncReport> {
  const report: SyncReport = { uploaded: 0, downloaded: 0, deleted: 0, failed: [], since: since ?? '' };
  for (const note of await store.pendingDeletions()) {
    try {
      await client.deleteHistory(note.requestId);
      await store.deletionDone(note.id);
      report.deleted++;
    } catch (error) {
      if ((error as { status?: number }).status === 0) throw error;
      report.failed.push({ id: note.id, reason: reasonOf(error) });
    }
  }
  const records = await store.records();
  for (const record of records.filter((r) => madeHere(r) && r.syncedAt === undefined)) {
    try {
      const video = await store.video(record.id);
      const requestId = await client.recordLocal(record.id, {
        model: record.modelId,
        params: record.params,
        numFrames: record.numFrames,
        createdAt: record.createdAt,
        recipe: { sourceId: record.sourceId, edits: record.edits, lora: record.lora },
      });
      // Images before the MP4: another device takes a clip once its MP4 is there, with the images listed then.
      const images = await store.images(record.id);
      for (const slot of CLIP_IMAGE_SLOTS) {
        const image = images[slot];
        if (image) await client.uploadClipImage(record.id, slot, image);
      }
      if (video) await client.uploadVideo(record.id, video);
      await store.saveRecord({ ...record, requestId, syncedAt: Date.now() });
      report.uploaded++;
    } catch (error) {
      // Unreachable means offline: stop here and try everything again next time.
      if ((error as { status?: number }).status === 0) throw error;
      report.failed.push({ id: record.id, reason: reasonOf(error) });
    }
  }
  // Local ids by server request id and by client id: what this device holds, and where.
  const localId = new Map(records.flatMap((r) => [[r.id, r.id] as const, [r.requestId ?? '', r.id] as const]));
  let cursor: string | undefined;
  let first = true;
  do {
    const page = await client.history({ since: since || FROM_THE_START, ...(cursor && { cursor }) });
    if (first) report.since = page.synced_at;
    first = false;
    for (const entry of page.data) {
      if (entry.deleted_at) {
        const id = localId.get(entry.request_id) ?? (entry.client_id ? localId.get(entry.client_id) : undefined);
        if (id) {
          await store.remove(id);
          localId.delete(entry.request_id);
          report.deleted++;
        }
        continue;
      }
      if (entry.status !== 'completed' || !entry.has_video) continue;
      if (localId.has(entry.request_id) || (entry.client_id && localId.has(entry.client_id))) continue;
      try {
        // Checked here, entry by entry: a recipe this app cannot read (a newer app's edit) fails its clip only.
        const recipe = clipRecipeSchema.safeParse(entry.recipe ?? {});
        if (!recipe.success) {
          const issue = recipe.error.issues[0]!;
          throw new Error(`its recipe cannot be read here (${issue.path.join('.')}: ${issue.message}); update the app`);
        }
        const result = await client.result(entry.request_id);
        const video = await client.download(result.video.url);
        const images: ClipImageFiles = {};
        for (const slot of CLIP_IMAGE_SLOTS)
          if (entry.clip_images?.includes(slot))
            images[slot] = await client.download(
              `/api/v1/inference/history/${encodeURIComponent(entry.request_id)}/images/${slot}`,
            );
        const record = { ...recordOf(entry, video.size, Date.now()), ...recipe.data };
        await store.saveClip(record, video, images);
        localId.set(entry.request_id, record.id);
        report.downloaded++;
      } catch (error) {
        if ((error as { status?: number }).status === 0) throw error;
        report.failed.push({ id: entry.request_id, reason: reasonOf(error) });
      }
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  // A failed download must be seen again: keep the old `since` so the next sync re-reads its entry.
  if (report.failed.length > 0) report.since = since ?? '';
  return report;
}
