/**
 * The clip history in IndexedDB (idb-keyval): a job record and its MP4 blob under separate keys,
 * so listing the history never loads the videos.
 */
import { createStore, delMany, get, getMany, keys, set, setMany, type UseStore } from 'idb-keyval';
import { historyRecordSchema, type HistoryRecord } from './record';

let store: UseStore | null = null;
const db = (): UseStore => (store ??= createStore('phosphene', 'history'));

const recordKey = (id: string) => ['record', id];
const videoKey = (id: string) => ['video', id];

/** Saves a finished clip; record and video are written in one transaction. */
export async function saveClip(record: HistoryRecord, video: Blob): Promise<void> {
  await setMany(
    [
      [recordKey(record.id), record],
      [videoKey(record.id), video],
    ],
    db(),
  );
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

/** Deletes one clip. */
export async function deleteClip(id: string): Promise<void> {
  await delMany([recordKey(id), videoKey(id)], db());
}

/** This browser's gallery as gallery sync sees it. */
export const idbGallery = {
  records: async () => (await listClips()).records,
  video: loadVideo,
  saveRecord,
  saveClip,
};
