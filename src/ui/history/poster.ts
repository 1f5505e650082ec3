/**
 * Gallery thumbnails: a clip's first frame, 160 px wide, as a WebP of a few KB. Made from the MP4 by the
 * browser's own decoder the first time the gallery shows the clip, then kept in IndexedDB beside it, so
 * every clip gets one however it arrived (made here, on the server, by sync, by an edit) and old
 * galleries get theirs without a migration.
 */
import { loadPoster, loadVideo, savePoster } from './store';

const WIDTH = 160;

/** The first frame of `video` as a small WebP, or undefined when this browser cannot decode it in time. */
export async function makePoster(video: Blob, timeoutMs = 10_000): Promise<Blob | undefined> {
  const url = URL.createObjectURL(video);
  const el = document.createElement('video');
  el.muted = true;
  el.preload = 'auto';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('poster: decoding timed out')), timeoutMs);
      el.onloadeddata = () => (clearTimeout(timer), resolve());
      el.onerror = () => (clearTimeout(timer), reject(new Error('poster: not decodable')));
      el.src = url;
    });
    if (!el.videoWidth || !el.videoHeight) return undefined;
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH;
    canvas.height = Math.max(1, Math.round((WIDTH * el.videoHeight) / el.videoWidth));
    canvas.getContext('2d')?.drawImage(el, 0, 0, canvas.width, canvas.height);
    return (await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/webp', 0.8))) ?? undefined;
  } catch {
    return undefined; // the gallery shows the clip without a picture; nothing else depends on it
  } finally {
    el.removeAttribute('src');
    el.load(); // lets the decoder go now rather than at garbage collection
    URL.revokeObjectURL(url);
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
