/**
 * Gallery thumbnails: a clip's first frame, 160 px wide, as a WebP of a few KB. Made from the MP4 by the
 * browser's own decoder the first time the gallery shows the clip, then kept in IndexedDB beside it, so
 * every clip gets one however it arrived (made here, on the server, by sync, by an edit) and old
 * galleries get theirs without a migration.
 */
import { openClip, stillAt } from './frames';
import { loadPoster, loadVideo, savePoster } from './store';

const WIDTH = 160;

/** The first frame of `video` as a small WebP, or undefined when this browser cannot decode it in time. */
export async function makePoster(video: Blob): Promise<Blob | undefined> {
  try {
    const { el, close } = await openClip(video);
    try {
      return (await stillAt(el, 0, 'image/webp', WIDTH)) ?? undefined;
    } finally {
      close();
    }
  } catch {
    return undefined; // the gallery shows the clip without a picture; nothing else depends on it
  }
}

const urls = new Map<string, Promise<string | undefined>>();
// One poster made at a time: a gallery of a hundred unthumbnailed clips must not start a hundred decoders.
let queue: Promise<unknown> = Promise.resolve();

/** An object URL of the clip's poster, made and stored first if it has none; undefined if it cannot be. */
export function posterUrl(id: string): Promise<string | undefined> {
  let url = urls.get(id);
  if (!url) {
    url = (async () => {
      let poster = await loadPoster(id);
      if (!poster) {
        const made = queue.then(async () => {
          const video = await loadVideo(id);
          return video && (await makePoster(video));
        });
        queue = made.catch(() => undefined);
        poster = await made;
        if (poster) await savePoster(id, poster).catch(() => undefined);
      }
      return poster && URL.createObjectURL(poster);
    })().catch(() => undefined);
    urls.set(id, url);
  }
  return url;
}

/** Lets a deleted clip's poster URL go. */
export function forgetPoster(id: string): void {
  const url = urls.get(id);
  urls.delete(id);
  void url?.then((u) => u && URL.revokeObjectURL(u));
}

/** Svelte action: shows the clip's poster in an `<img>` once there is one. */
export function showPoster(img: HTMLImageElement, id: string) {
  let current = id;
  const show = (which: string) =>
    void posterUrl(which).then((u) => {
      if (u && which === current) img.src = u;
    });
  show(id);
  return {
    update(next: string) {
      current = next;
      img.removeAttribute('src');
      show(next);
    },
  };
}
