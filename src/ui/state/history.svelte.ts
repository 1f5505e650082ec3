/** The clip history shown under the player, backed by IndexedDB. */
import { deleteClip, listClips, loadImages, loadVideo, saveClip, type ClipImages } from '../history/store';
import type { HistoryRecord } from '../history/record';

/** Reactive history list. */
export class HistoryState {
  records = $state.raw<HistoryRecord[]>([]);
  unreadable = $state(0);
  error = $state('');

  async refresh(): Promise<void> {
    try {
      const { records, unreadable } = await listClips();
      this.records = records;
      this.unreadable = unreadable;
      this.error = '';
    } catch (error) {
      this.error = `The history could not be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async add(record: HistoryRecord, video: Blob, images?: ClipImages): Promise<void> {
    try {
      await saveClip(record, video, images);
      await this.refresh();
    } catch (error) {
      this.error = `The clip could not be saved to the history: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Deletes a clip here; one the server holds is deleted there (and on other devices) at the next sync. */
  async remove(id: string): Promise<void> {
    const record = this.records.find((r) => r.id === id);
    await deleteClip(id, record?.syncedAt !== undefined ? record.requestId : undefined);
    await this.refresh();
  }

  video(id: string): Promise<Blob | undefined> {
    return loadVideo(id);
  }

  images(id: string): Promise<ClipImages> {
    return loadImages(id);
  }
}
