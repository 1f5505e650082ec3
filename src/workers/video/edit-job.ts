/**
 * One edit of a clip in the worker: decode (and the second clip for join), edit, encode to MP4 with the
 * recipe of the source plus this edit, so an edited clip says what it was made from and how.
 */
import { editOpSchema, type EditOp, type GifOptions } from '../../shared/edit-ops';
import { InvalidParamsError } from '../../shared/errors';
import type { RawFrames } from '../../shared/protocol';
import { decodeMp4 } from './decode-mp4';
import { applyFrameEdit } from './edit-frames';
import { encodeMp4 } from './encode-mp4';
import type { EncoderChoice } from './encode-options';
import { readRecipe, writeRecipe } from '../../pipeline/mp4-recipe';

/** An edited clip. */
export interface EditResult {
  mp4: ArrayBuffer;
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  encoder: 'webcodecs' | 'ffmpeg.wasm';
}

/** Draws `text` on every frame, white with a dark outline, at the top or bottom. */
function drawText(f: RawFrames, text: string, position: 'top' | 'bottom'): RawFrames {
  const canvas = new OffscreenCanvas(f.width, f.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('This browser cannot draw text off screen.');
  const size = Math.max(10, Math.round(f.height / 10));
  const rgba = new Uint8Array(f.rgba.length);
  const frame = f.width * f.height * 4;
  for (let n = 0; n < f.numFrames; n++) {
    context.putImageData(
      new ImageData(new Uint8ClampedArray(f.rgba.subarray(n * frame, (n + 1) * frame)), f.width, f.height),
      0,
      0,
    );
    context.font = `bold ${size}px sans-serif`;
    context.textAlign = 'center';
    context.textBaseline = position === 'top' ? 'top' : 'bottom';
    const y = position === 'top' ? size / 2 : f.height - size / 2;
    context.lineWidth = Math.max(2, size / 8);
    context.strokeStyle = 'rgba(0, 0, 0, 0.85)';
    context.strokeText(text, f.width / 2, y, f.width * 0.95);
    context.fillStyle = '#fff';
    context.fillText(text, f.width / 2, y, f.width * 0.95);
    rgba.set(context.getImageData(0, 0, f.width, f.height).data, n * frame);
  }
  return { ...f, rgba };
}

/** Edits `mp4` (and, for join, appends `second`); throws an `InvalidParamsError` for an edit that does not fit. */
export async function runEditJob(
  mp4: Uint8Array,
  op: unknown,
  second: Uint8Array | undefined,
  encoder: EncoderChoice = 'auto',
): Promise<EditResult> {
  const parsed = editOpSchema.safeParse(op);
  if (!parsed.success) throw new InvalidParamsError(parsed.error.issues[0]?.message ?? 'This edit is not valid.');
  const edit: EditOp = parsed.data;
  if (edit.op === 'join' && !second)
    throw new InvalidParamsError('Join needs a second clip: pick one from the history.');
  const { frames, fps } = await decodeMp4(mp4);
  const edited =
    edit.op === 'text'
      ? drawText(frames, edit.text, edit.position)
      : applyFrameEdit(frames, edit, edit.op === 'join' ? (await decodeMp4(second!)).frames : undefined);
  const encoded = await encodeMp4(edited, { fps, encoder });
  // The source's recipe with this edit appended; a clip without one (not ours) stays without.
  const recipe = readRecipe(mp4);
  const out = recipe
    ? writeRecipe(new Uint8Array(encoded.mp4), { ...recipe, edits: [...(recipe.edits ?? []), edit] })
    : new Uint8Array(encoded.mp4);
  return {
    mp4: out.buffer as ArrayBuffer,
    width: edited.width,
    height: edited.height,
    numFrames: edited.numFrames,
    fps,
    encoder: encoded.encoder,
  };
}

/** The clip as a looping GIF (ffmpeg.wasm, fetched once and cached for offline use). */
export async function runGifJob(mp4: Uint8Array, options: GifOptions = {}): Promise<ArrayBuffer> {
  const { frames, fps } = await decodeMp4(mp4);
  const { encodeGifWithFfmpeg } = await import('./encode-ffmpeg');
  return encodeGifWithFfmpeg(frames, { fps }, options);
}
