/**
 * Every clip carries its recipe: the model, variant and every parameter, as JSON in the MP4's standard
 * comment tag (`moov/udta/meta/ilst/©cmt`, which players, ffprobe and mediabunny show). Written after
 * muxing, whatever muxed the file: a box inserted into `moov` shifts the media data when `moov` comes
 * first, so every chunk offset (`stco`/`co64`) moves by the inserted size. Pure bytes in, bytes out: the
 * browser and Node share it.
 */
import { clipStepSchema } from '../shared/edit-ops';
import type { GenerateParams } from '../shared/protocol';
import { storedParamsSchema } from '../shared/stored-params';
import { z } from '../shared/zod-mini';

/** The recipe's format tag; a reader refuses other versions rather than guess. */
export const RECIPE_FORMAT = 'phosphene-recipe/1';

/** What re-runs a clip exactly (its images and LoRA, when it had them, are named, not embedded). */
export const recipeSchema = z.object({
  format: z.literal(RECIPE_FORMAT),
  /** The package's id, e.g. `phosphene/v1/text-to-video`. */
  model: z.string().check(z.minLength(1)),
  /** The package's training commit or version, when it names one: a different one is another model. */
  model_version: z.optional(z.string()),
  variant: z.optional(z.string()),
  mode: z.enum(['text-to-video', 'image-to-video', 'first-last-frame']),
  params: storedParamsSchema,
  lora: z.optional(z.object({ name: z.string(), scale: z.number() })),
  /** Edits made after generation, in order (trim, speed, …): re-running the recipe makes the unedited clip. */
  edits: z.optional(z.array(clipStepSchema)),
});

/** A clip's recipe. */
export type Recipe = z.infer<typeof recipeSchema>;

/** A recipe for `params` on `model`. */
export function recipeOf(
  model: string,
  params: GenerateParams,
  extra: Omit<Recipe, 'format' | 'model' | 'params' | 'mode'> & { mode?: Recipe['mode'] } = {},
): Recipe {
  const { mode = 'text-to-video', ...rest } = extra;
  return { format: RECIPE_FORMAT, model, mode, params: { ...params }, ...rest };
}

interface BoxAt {
  type: string;
  /** Offset of the box's header in the file. */
  start: number;
  headerSize: number;
  size: number;
}

function boxesIn(bytes: Uint8Array, from: number, to: number): BoxAt[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: BoxAt[] = [];
  for (let pos = from; pos + 8 <= to;) {
    let size = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    let headerSize = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(pos + 8));
      headerSize = 16;
    } else if (size === 0) size = to - pos;
    if (size < headerSize || pos + size > to) throw new RangeError(`MP4 box ${type} at ${pos} overruns its parent`);
    boxes.push({ type, start: pos, headerSize, size });
    pos += size;
  }
  return boxes;
}

const child = (bytes: Uint8Array, parent: BoxAt, type: string, skip = 0) =>
  boxesIn(bytes, parent.start + parent.headerSize + skip, parent.start + parent.size).find((b) => b.type === type);

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let pos = 8;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const COMMENT = '\u00a9cmt';

/** `meta` (full box) → `hdlr` (mdir) + `ilst` → `©cmt` → `data` (UTF-8) holding `text`. */
function commentMeta(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  const data = box('data', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 0]), utf8);
  const hdlr = box('hdlr', new Uint8Array(8), new TextEncoder().encode('mdir'), new Uint8Array(13));
  return box('meta', new Uint8Array(4), hdlr, box('ilst', box(COMMENT, data)));
}

/** Adds `delta` to every chunk offset in the `stco`/`co64` boxes under `parent` (in `bytes`, in place). */
function shiftChunkOffsets(bytes: Uint8Array, parent: BoxAt, delta: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const b of boxesIn(bytes, parent.start + parent.headerSize, parent.start + parent.size)) {
    if (['trak', 'mdia', 'minf', 'stbl'].includes(b.type)) shiftChunkOffsets(bytes, b, delta);
    else if (b.type === 'stco' || b.type === 'co64') {
      const body = b.start + b.headerSize;
      const count = view.getUint32(body + 4);
      for (let i = 0; i < count; i++) {
        if (b.type === 'stco') {
          const at = body + 8 + 4 * i;
          const value = view.getUint32(at) + delta;
          if (value > 0xffffffff) throw new RangeError('the recipe would push a chunk past 4 GiB (stco)');
          view.setUint32(at, value);
        } else {
          const at = body + 8 + 8 * i;
          view.setBigUint64(at, view.getBigUint64(at) + BigInt(delta));
        }
      }
    }
  }
}

/**
 * Sets the creation and modification times of `mvhd`, `tkhd` and `mdhd` under `parent` to 0 (in place):
 * muxers stamp the wall clock there, which would make the same recipe give different bytes a second later.
 */
function zeroTimes(bytes: Uint8Array, parent: BoxAt): void {
  for (const b of boxesIn(bytes, parent.start + parent.headerSize, parent.start + parent.size)) {
    if (b.type === 'trak' || b.type === 'mdia') zeroTimes(bytes, b);
    else if (b.type === 'mvhd' || b.type === 'tkhd' || b.type === 'mdhd') {
      const body = b.start + b.headerSize;
      bytes.fill(0, body + 4, body + 4 + (bytes[body] === 1 ? 16 : 8));
    }
  }
}

/**
 * The MP4 with `recipe` in its comment tag (replacing a recipe it had) and its header times zeroed, so one
 * recipe gives one file; throws on a file without `moov`.
 */
export function writeRecipe(mp4: Uint8Array, recipe: Recipe): Uint8Array {
  const top = boxesIn(mp4, 0, mp4.length);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov || moov.headerSize !== 8) throw new RangeError('not an MP4 with a moov box');
  // Drop a udta we wrote before (or any: ours holds only the recipe), then append a fresh one.
  const kept = boxesIn(mp4, moov.start + 8, moov.start + moov.size).filter((b) => b.type !== 'udta');
  const udta = box('udta', commentMeta(JSON.stringify(recipe)));
  const children = kept.map((b) => mp4.subarray(b.start, b.start + b.size));
  const newMoov = box('moov', ...children, udta);
  const delta = newMoov.length - moov.size;
  const out = new Uint8Array(mp4.length + delta);
  out.set(mp4.subarray(0, moov.start), 0);
  out.set(newMoov, moov.start);
  out.set(mp4.subarray(moov.start + moov.size), moov.start + newMoov.length);
  // Media data after moov moved by delta: every chunk offset into it too.
  const placed = boxesIn(out, 0, out.length).find((b) => b.type === 'moov')!;
  const mediaAfter = top.some((b) => b.type === 'mdat' && b.start > moov.start);
  if (mediaAfter && delta !== 0) shiftChunkOffsets(out, placed, delta);
  zeroTimes(out, placed);
  return out;
}

/** The clip's recipe, or undefined when it has none (or one of another format); never throws on odd files. */
export function readRecipe(mp4: Uint8Array): Recipe | undefined {
  try {
    const moov = boxesIn(mp4, 0, mp4.length).find((b) => b.type === 'moov');
    const udta = moov && child(mp4, moov, 'udta');
    const meta = udta && child(mp4, udta, 'meta');
    const ilst = meta && child(mp4, meta, 'ilst', 4);
    const cmt = ilst && child(mp4, ilst, COMMENT);
    const data = cmt && child(mp4, cmt, 'data');
    if (!data) return undefined;
    const text = new TextDecoder().decode(mp4.subarray(data.start + data.headerSize + 8, data.start + data.size));
    const parsed = recipeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
