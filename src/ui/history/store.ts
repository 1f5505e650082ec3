/**
 * The clip history in IndexedDB (idb-keyval): a job record and its MP4 blob under separate keys,
 * so listing the history never loads the videos.
 */
import { createStore, delMany, get, getMany, keys, set, setMany, type UseStore } from 'idb-keyval';
import type { ClipImageSlot } from '../../shared/clip-recipe';
import type { ConditioningImage } from '../../shared/protocol';
import type { ClipImageFiles, GalleryStore } from '../server/gallery-sync';
import { pngOf } from '../server/image-png';
import { previewFromPng } from '../server/preview-png';
import { historyRecordSchema, type HistoryRecord } from './record';

let store: UseStore | null = null;
const db = (): UseStore => (store ??= createStore('phosphene', 'history'));

const recordKey = (id: string) => ['record', id];
const videoKey = (id: string) => ['video', id];
const imagesKey = (id: string) => ['images', id];
const posterKey = (id: string) => ['poster', id];

/** The conditioning images a clip was made from (image-to-video, first-last-frame). */
export interface ClipImages {
  image?: ConditioningImage;
  last_image?: ConditioningImage;
}

/** Saves a finished clip, and the images it started from; all in one transaction. */
export async function saveClip(record: HistoryRecord, video: Blob, images: ClipImages = {}): Promise<void> {
  const entries: [IDBValidKey, unknown][] = [
    [recordKey(record.id), record],
    [videoKey(record.id), video],
  ];
  if (images.image || images.last_image) entries.push([imagesKey(record.id), images]);
  await setMany(entries, db());
}

const isImage = (v: unknown): v is ConditioningImage => {
  const i = v as ConditioningImage | undefined;
  return (
    i !== undefined &&
    i.rgba instanceof Uint8Array &&
    Number.isInteger(i.width) &&
    Number.isInteger(i.height) &&
    i.width > 0 &&
    i.height > 0 &&
    i.rgba.length === i.width * i.height * 4
  );
};

/** The images a clip was made from; a stored value that is not a well-formed image is left out. */
export async function loadImages(id: string): Promise<ClipImages> {
  const value = (await get(imagesKey(id), db())) as Record<string, unknown> | undefined;
  const images: ClipImages = {};
  if (isImage(value?.image)) images.image = value.image;
  if (isImage(value?.last_image)) images.last_image = value.last_image;
  return images;
}

/** Replaces a clip's record (e.g. to mark it synced); its video stays. */
export async function saveRecord(record: HistoryRecord): Promise<void> {
  await set(recordKey(record.id), record, db());
}

/** Every stored record that passes the schema, newest first, and how many were unreadable. */
export async function listClips(): Promise<{ records: HistoryRecord[]; unreadable: number }> {
  const recordKeys = (await keys(db())).filter((k) => Array.isArray(k) && k[0] === 'record');
  const values = await getMany(recordKeys, db());
  const records: HistoryRecord[] = [];
  let unreadable = 0;
  for (const value of values) {
    const parsed = historyRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else unreadable++;
  }
  records.sort((a, b) => b.createdAt - a.createdAt);
  return { records, unreadable };
}

/** The MP4 of one clip, or `undefined` when it is gone. */
export async function loadVideo(id: string): Promise<Blob | undefined> {
  const value: unknown = await get(videoKey(id), db());
  return value instanceof Blob ? value : undefined;
}

/** The gallery thumbnail of one clip (see poster.ts), or `undefined` when it has none yet. */
export async function loadPoster(id: string): Promise<Blob | undefined> {
  const value: unknown = await get(posterKey(id), db());
  return value instanceof Blob && value.type.startsWith('image/') ? value : undefined;
}

/** Keeps a clip's thumbnail; not for a clip that is gone (a deletion may have raced the decoder). */
export async function savePoster(id: string, poster: Blob): Promise<void> {
  if ((await get(recordKey(id), db())) !== undefined) await set(posterKey(id), poster, db());
}

const clipKeys = (id: string) => [recordKey(id), videoKey(id), imagesKey(id), posterKey(id)];

const deletionKey = (id: string) => ['deleted', id];

/**
 * Deletes one clip. A clip the server holds (`requestId`) leaves a note in the same transaction, so the next
 * sync deletes it there too, and so on every device, even when the deletion was made offline.
 */
export async function deleteClip(id: string, requestId?: string): Promise<void> {
  await delMany(clipKeys(id), db());
  if (requestId) await set(deletionKey(id), { id, requestId }, db());
}

/** Deletions the server has not confirmed yet. */
export async function pendingDeletions(): Promise<{ id: string; requestId: string }[]> {
  const ids = (await keys(db())).filter((k) => Array.isArray(k) && k[0] === 'deleted');
  const notes = await getMany(ids, db());
  return notes.filter(
    (n): n is { id: string; requestId: string } => typeof n?.id === 'string' && typeof n?.requestId === 'string',
  );
}

/** This browser's gallery as gallery sync sees it: images go to the server as PNG files and come back as pixels. */
export const idbGallery: GalleryStore = {
  records: async () => (await listClips()).records,
  video: loadVideo,
  images: async (id) => {
    const files: ClipImageFiles = {};
    for (const [slot, image] of Object.entries(await loadImages(id))) files[slot as ClipImageSlot] = await pngOf(image);
    return files;
  },
  saveRecord,
  saveClip: async (record, video, files) => {
    const images: ClipImages = {};
    for (const [slot, file] of Object.entries(files)) {
      const picture = await previewFromPng(file, 0, 0);
      if (!picture) throw new Error(`its ${slot} could not be decoded in this browser`);
      images[slot as ClipImageSlot] = { rgba: picture.rgba, width: picture.width, height: picture.height };
    }
    await saveClip(record, video, images);
  },
  remove: (id: string) => delMany(clipKeys(id), db()),
  pendingDeletions,
  deletionDone: (id: string) => delMany([deletionKey(id)], db()),
};
