/**
 * Edits of decoded clips (RGBA frames), in plain TypeScript so they run the same in the worker and in
 * tests: trim, speed, crop, resize and join. Text goes on in the worker (it needs a canvas). Each
 * function checks its operation against the clip and throws an `InvalidParamsError` that says what fits.
 */
import { InvalidParamsError } from '../../shared/errors';
import type { EditOp } from '../../shared/edit-ops';
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

/** `second` after `first`, resized to the first's size. */
export function joinFrames(first: RawFrames, second: RawFrames): RawFrames {
  const tail = resizeFrames(second, first.width, first.height);
  const rgba = new Uint8Array(first.rgba.length + tail.rgba.length);
  rgba.set(first.rgba);
  rgba.set(tail.rgba, first.rgba.length);
  return { ...first, rgba, numFrames: first.numFrames + tail.numFrames };
}

/** Applies one frame edit (every op but `text`, which needs a canvas); `second` is join's other clip. */
export function applyFrameEdit(f: RawFrames, op: Exclude<EditOp, { op: 'text' }>, second?: RawFrames): RawFrames {
  switch (op.op) {
    case 'trim':
      return trimFrames(f, op.start, op.end);
    case 'speed':
      return speedFrames(f, op.factor);
    case 'crop':
      return cropFrames(f, op.x, op.y, op.width, op.height);
    case 'resize':
      return resizeFrames(f, op.width, op.height);
    case 'join':
      if (!second) throw new InvalidParamsError('Join needs a second clip: pick one from the history.');
      return joinFrames(f, second);
  }
}
