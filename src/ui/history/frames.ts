/**
 * Still frames from a clip, taken with the browser's own decoder (a `<video>` element) on the main
 * thread: the gallery's posters and the player's "save frames". A clip is at most a few hundred frames
 * of a few hundred pixels, so a seek and a canvas per still is cheap next to decoding it anew.
 */

/** The clip in a paused, muted `<video>` with its first frame decoded; `close()` lets the decoder go. */
export async function openClip(video: Blob, timeoutMs = 10_000): Promise<{ el: HTMLVideoElement; close(): void }> {
  const url = URL.createObjectURL(video);
  const el = document.createElement('video');
  el.muted = true;
  el.preload = 'auto';
  const close = () => {
    el.removeAttribute('src');
    el.load(); // frees the decoder now rather than at garbage collection
    URL.revokeObjectURL(url);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The clip did not decode in time.')), timeoutMs);
      el.onloadeddata = () => (clearTimeout(timer), resolve());
      el.onerror = () => (clearTimeout(timer), reject(new Error('This browser cannot decode the clip.')));
      el.src = url;
    });
    return { el, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** The picture at `seconds` as an image of `type`, `width` pixels wide (the clip's own size by default). */
export async function stillAt(el: HTMLVideoElement, seconds: number, type: string, width = el.videoWidth) {
  const seeked = new Promise((done) => el.addEventListener('seeked', done, { once: true }));
  el.currentTime = seconds; // a seek even to the current time, so the picture drawn is the one at `seconds`
  await seeked;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = Math.max(1, Math.round((width * el.videoHeight) / el.videoWidth));
  canvas.getContext('2d')?.drawImage(el, 0, 0, canvas.width, canvas.height);
  return new Promise<Blob | null>((done) => canvas.toBlob(done, type, 0.85));
}

/** Which frames "save frames" takes, as the video platform's extract-frames tool names them. */
export const FRAME_MODES = ['first', 'middle', 'last', 'all_1fps'] as const;
export type FrameMode = (typeof FRAME_MODES)[number];

/** The frame indices `mode` takes from a clip of `frames` frames at `fps`. */
export function frameIndices(mode: FrameMode, frames: number, fps: number): number[] {
  if (mode === 'first') return [0];
  if (mode === 'middle') return [Math.floor((frames - 1) / 2)];
  if (mode === 'last') return [frames - 1];
  return Array.from({ length: Math.ceil(frames / fps) }, (_, s) => s * fps);
}

/** The frames `mode` takes from `video`, each a full-size PNG with the frame's index. */
export async function extractFrames(video: Blob, mode: FrameMode, frames: number, fps: number) {
  const { el, close } = await openClip(video);
  try {
    const out: { index: number; png: Blob }[] = [];
    for (const index of frameIndices(mode, frames, fps)) {
      // The middle of the frame's display time: never the boundary, where a decoder may show either frame.
      const png = await stillAt(el, Math.min((index + 0.5) / fps, el.duration), 'image/png');
      if (png) out.push({ index, png });
    }
    return out;
  } finally {
    close();
  }
}
