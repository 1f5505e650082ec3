/**
 * Edits of decoded clips (RGBA frames), in plain TypeScript so they run the same in the worker and in
 * tests: trim, speed, crop, resize (stretched or padded) and merge, and the frames a timed text covers.
 * Text goes on in the worker (it needs a canvas). Each function checks its operation against the clip and
 * throws an `InvalidParamsError` that says what fits.
 */
import { InvalidParamsError } from '../../shared/errors';
import { MAX_EDIT_BYTES, type EditOp } from '../../shared/edit-ops';
import type { RawFrames } from '../../shared/protocol';

const frameBytes = (f: RawFrames) => f.width * f.height * 4;

/** Frames [start, end). */
export function trimFrames(f: RawFrames, start: number, end: number): RawFrames {
  if (!(start < end && end <= f.numFrames))
    throw new InvalidParamsError(
      `Trim to frames ${start}–${end} does not fit a clip of ${f.numFrames} frames: choose 0 ≤ start < end ≤ ${f.numFrames}.`,
    );
  const size = frameBytes(f);
  return { ...f, rgba: f.rgba.slice(start * size, end * size), numFrames: end - start };
}

/** `factor` times as fast at the same frame rate: frame i shows source frame ⌊i · factor⌋. */
export function speedFrames(f: RawFrames, factor: number): RawFrames {
  const count = Math.max(1, Math.round(f.numFrames / factor));
  const size = frameBytes(f);
  const rgba = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) {
    const source = Math.min(f.numFrames - 1, Math.floor(i * factor));
    rgba.set(f.rgba.subarray(source * size, (source + 1) * size), i * size);
  }
  return { ...f, rgba, numFrames: count };
}

/** The rectangle (x, y, width, height) of every frame. */
export function cropFrames(f: RawFrames, x: number, y: number, width: number, height: number): RawFrames {
  if (x + width > f.width || y + height > f.height)
    throw new InvalidParamsError(
      `A ${width}×${height} crop at (${x}, ${y}) does not fit a ${f.width}×${f.height} clip: keep x + width ≤ ${f.width} and y + height ≤ ${f.height}.`,
    );
  const rgba = new Uint8Array(f.numFrames * width * height * 4);
  for (let n = 0; n < f.numFrames; n++)
    for (let row = 0; row < height; row++) {
      const from = ((n * f.height + y + row) * f.width + x) * 4;
      rgba.set(f.rgba.subarray(from, from + width * 4), (n * height + row) * width * 4);
    }
  return { rgba, width, height, numFrames: f.numFrames };
}

/** Every frame scaled to width × height, bilinear (pixel centres aligned, edges clamped). */
export function resizeFrames(f: RawFrames, width: number, height: number): RawFrames {
  if (width === f.width && height === f.height) return f;
  const rgba = new Uint8Array(f.numFrames * width * height * 4);
  const axis = (out: number, size: number) => {
    const lo = new Int32Array(out);
    const hi = new Int32Array(out);
    const t = new Float32Array(out);
    for (let i = 0; i < out; i++) {
      const c = Math.min(size - 1, Math.max(0, ((i + 0.5) * size) / out - 0.5));
      lo[i] = Math.floor(c);
      hi[i] = Math.min(size - 1, lo[i]! + 1);
      t[i] = c - lo[i]!;
    }
    return { lo, hi, t };
  };
  const xs = axis(width, f.width);
  const ys = axis(height, f.height);
  for (let n = 0; n < f.numFrames; n++) {
    const base = n * f.width * f.height;
    for (let y = 0; y < height; y++) {
      const r0 = base + ys.lo[y]! * f.width;
      const r1 = base + ys.hi[y]! * f.width;
      const ty = ys.t[y]!;
      for (let x = 0; x < width; x++) {
        const tx = xs.t[x]!;
        const [a, b, c, d] = [r0 + xs.lo[x]!, r0 + xs.hi[x]!, r1 + xs.lo[x]!, r1 + xs.hi[x]!];
        const o = ((n * height + y) * width + x) * 4;
        for (let ch = 0; ch < 4; ch++) {
          const top = f.rgba[a * 4 + ch]! + (f.rgba[b * 4 + ch]! - f.rgba[a * 4 + ch]!) * tx;
          const bottom = f.rgba[c * 4 + ch]! + (f.rgba[d * 4 + ch]! - f.rgba[c * 4 + ch]!) * tx;
          rgba[o + ch] = Math.round(top + (bottom - top) * ty);
        }
      }
    }
  }
  return { rgba, width, height, numFrames: f.numFrames };
}

/** Where a `width` × `height` clip lands, scaled to fit inside `outWidth` × `outHeight` and centred. */
export function padRect(width: number, height: number, outWidth: number, outHeight: number) {
  const scale = Math.min(outWidth / width, outHeight / height);
  const w = Math.min(outWidth, Math.max(1, Math.round(width * scale)));
  const h = Math.min(outHeight, Math.max(1, Math.round(height * scale)));
  return { x: Math.floor((outWidth - w) / 2), y: Math.floor((outHeight - h) / 2), width: w, height: h };
}

/** Every frame scaled to fit inside width × height with its shape kept, on opaque black bars. */
export function padFrames(f: RawFrames, width: number, height: number): RawFrames {
  const r = padRect(f.width, f.height, width, height);
  const inner = resizeFrames(f, r.width, r.height);
  const rgba = new Uint8Array(f.numFrames * width * height * 4);
  // Opaque black in one pass: RGBA bytes 0, 0, 0, 255 read as one little-endian word (every browser's order).
  new Uint32Array(rgba.buffer).fill(0xff000000);
  const row = r.width * 4;
  for (let n = 0; n < f.numFrames; n++)
    for (let y = 0; y < r.height; y++) {
      const from = (n * r.height + y) * row;
      rgba.set(inner.rgba.subarray(from, from + row), ((n * height + r.y + y) * width + r.x) * 4);
    }
  return { rgba, width, height, numFrames: f.numFrames };
}

/** The frames of `first` then `others` at the first's size; throws when they would pass `MAX_EDIT_BYTES`. */
export function checkMergeSize(first: RawFrames, others: { numFrames: number }[]): number {
  const numFrames = others.reduce((sum, o) => sum + o.numFrames, first.numFrames);
  if (numFrames * frameBytes(first) > MAX_EDIT_BYTES)
    throw new InvalidParamsError(
      `The merged clip (${first.width}×${first.height}, ${numFrames} frames) is too large to edit in the browser: merge fewer or shorter clips.`,
    );
  return numFrames;
}

/** `others` after `first`, in order, each resized to the first's size; refuses a result too large to edit. */
export function joinFrames(first: RawFrames, others: RawFrames[]): RawFrames {
  const size = frameBytes(first);
  const numFrames = checkMergeSize(first, others);
  const rgba = new Uint8Array(numFrames * size);
  rgba.set(first.rgba);
  let at = first.rgba.length;
  for (const o of others) {
    const tail = resizeFrames(o, first.width, first.height).rgba;
    rgba.set(tail, at);
    at += tail.length;
  }
  return { ...first, rgba, numFrames };
}

/**
 * The frames [first, last) a text shown from `start` to `end` seconds covers: frame n is on screen from
 * n / fps, so it carries the text when start ≤ n / fps < end. `end` is clamped to the clip's length.
 */
export function textFrames(numFrames: number, fps: number, start: number, end = Infinity): [number, number] {
  // Seconds typed as decimals (0.3 · 10 = 2.9999…) must still land on the frame they name.
  const frame = (t: number) => Math.ceil(t * fps - 1e-6);
  const first = Math.max(0, frame(start)); // not -0 at start 0
  const last = Math.min(numFrames, frame(end));
  const length = (numFrames / fps).toFixed(2);
  if (first >= numFrames)
    throw new InvalidParamsError(
      `The text starts at ${start} s, after the clip ends (${length} s): choose a start before ${length} s.`,
    );
  if (first >= last)
    throw new InvalidParamsError(
      `No frame is on screen between ${start} s and ${end} s (${fps} fps): make the text last at least ${(1 / fps).toFixed(2)} s.`,
    );
  return [first, last];
}

/** What a merge without clips after this one is told. */
export const MERGE_NEEDS_CLIPS = 'Merge needs at least one more clip: add clips from the gallery.';

/** Applies one frame edit (every op but `text`, which needs a canvas); `others` are a merge's clips after this one. */
export function applyFrameEdit(f: RawFrames, op: Exclude<EditOp, { op: 'text' }>, others: RawFrames[] = []): RawFrames {
  switch (op.op) {
    case 'trim':
      return trimFrames(f, op.start, op.end);
    case 'speed':
      return speedFrames(f, op.factor);
    case 'crop':
      return cropFrames(f, op.x, op.y, op.width, op.height);
    case 'resize':
      return op.fit === 'pad' ? padFrames(f, op.width, op.height) : resizeFrames(f, op.width, op.height);
    case 'join':
      if (others.length === 0) throw new InvalidParamsError(MERGE_NEEDS_CLIPS);
      return joinFrames(f, others);
  }
}
