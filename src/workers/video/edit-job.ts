/**
 * One edit of a clip in the worker: decode (and a merge's other clips), edit, encode to MP4 with the
 * recipe of the source plus this edit, so an edited clip says what it was made from and how.
 */
import { editOpSchema, type EditOp, type GifOptions } from '../../shared/edit-ops';
import { InvalidParamsError } from '../../shared/errors';
import type { RawFrames } from '../../shared/protocol';
import { decodeMp4 } from './decode-mp4';
import { applyFrameEdit, checkMergeSize, MERGE_NEEDS_CLIPS, resizeFrames, textFrames } from './edit-frames';
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

type TextOp = Extract<EditOp, { op: 'text' }>;

/**
 * Draws the text on the frames its time window covers, in its colour with a dark outline, at the top or
 * bottom; the other frames are left as they are.
 */
function drawText(f: RawFrames, fps: number, t: TextOp): RawFrames {
  const [first, last] = textFrames(f.numFrames, fps, t.start_time, t.end_time);
  const canvas = new OffscreenCanvas(f.width, f.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('This browser cannot draw text off screen.');
  const size = t.font_size ?? Math.max(10, Math.round(f.height / 10));
  const rgba = f.rgba.slice();
  const frame = f.width * f.height * 4;
  for (let n = first; n < last; n++) {
    context.putImageData(
      new ImageData(new Uint8ClampedArray(f.rgba.subarray(n * frame, (n + 1) * frame)), f.width, f.height),
      0,
      0,
    );
    context.font = `bold ${size}px sans-serif`;
    context.textAlign = 'center';
    context.textBaseline = t.position;
    const y = t.position === 'top' ? size / 2 : f.height - size / 2;
    context.lineWidth = Math.max(2, size / 8);
    context.strokeStyle = 'rgba(0, 0, 0, 0.85)';
    context.strokeText(t.text, f.width / 2, y, f.width * 0.95);
    context.fillStyle = t.color;
    context.fillText(t.text, f.width / 2, y, f.width * 0.95);
    rgba.set(context.getImageData(0, 0, f.width, f.height).data, n * frame);
  }
  return { ...f, rgba };
}

/**
 * Edits `mp4` (for a merge, appends `others` in order); throws an `InvalidParamsError` for an edit that
 * does not fit.
 */
export async function runEditJob(
  mp4: Uint8Array,
  op: unknown,
  others: Uint8Array[] = [],
  encoder: EncoderChoice = 'auto',
): Promise<EditResult> {
  const parsed = editOpSchema.safeParse(op);
  if (!parsed.success) throw new InvalidParamsError(parsed.error.issues[0]?.message ?? 'This edit is not valid.');
  const edit: EditOp = parsed.data;
  if (edit.op === 'join') {
    if (others.length === 0) throw new InvalidParamsError(MERGE_NEEDS_CLIPS);
    // Recipes from before the merge picker name no clips: they appended one.
    if (others.length !== (edit.clip_ids?.length ?? 1))
      throw new InvalidParamsError(
        `The merge names ${edit.clip_ids?.length ?? 1} clips to append but ${others.length} came: send one clip per id.`,
      );
  }
  const { frames, fps } = await decodeMp4(mp4);
  let edited: RawFrames;
  if (edit.op === 'text') edited = drawText(frames, fps, edit);
  else {
    // One clip decoded at a time and brought to this one's size at once, so a 20-clip merge keeps no source
    // at its own size, and one too large for memory stops before the next decode.
    const tails: RawFrames[] = [];
    if (edit.op === 'join')
      for (const other of others) {
        tails.push(resizeFrames((await decodeMp4(other)).frames, frames.width, frames.height));
        checkMergeSize(frames, tails);
      }
    edited = applyFrameEdit(frames, edit, tails);
  }
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
