/**
 * Writes a running job's live previews without holding up the pipeline: writes are serialised and
 * coalesced, so a burst of fast steps stores only the newest picture.
 */
import type { Database } from '../db/database';
import type { Job } from '../jobs/job';
import { savePreview, type JobPreview } from '../jobs/previews';

/** A preview sink for one claimed job. */
export interface PreviewWriter {
  set(preview: JobPreview): void;
  /** Waits for the last write. */
  flush(): Promise<void>;
}

/** A writer for `job`; a failed write is logged and skipped (the next step's preview replaces it). */
export function previewWriter(db: Database, job: Job): PreviewWriter {
  let latest: JobPreview | undefined;
  let queued = false;
  let chain: Promise<void> = Promise.resolve();
  return {
    set(preview) {
      latest = preview;
      if (queued) return;
      queued = true;
      chain = chain.then(async () => {
        queued = false;
        try {
          await savePreview(db, job, latest!);
        } catch (error) {
          console.error(`job ${job.id}: preview write failed: ${(error as Error).message}`);
        }
      });
    },
    flush: () => chain,
  };
}
