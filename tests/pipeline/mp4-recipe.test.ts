/**
 * The recipe in the MP4's comment tag: written into a real H.264 MP4 (ours from x264, media after moov,
 * and the same file rearranged moov-first as mediabunny's fast start writes it), read back, and the
 * media untouched: every sample's bytes, found through the (shifted) chunk offsets, are the original's.
 */
import { describe, expect, it } from 'vitest';
import { encodeMp4Node } from '../../server/video/encode-mp4-node';
import { readRecipe, recipeOf, writeRecipe } from '../../src/pipeline/mp4-recipe';
import { describeVideoTrack, findBox, readBoxes } from '../helpers/mp4-boxes';

const params = {
  prompt: 'a red circle moving right',
  negative_prompt: '',
  width: 64,
  height: 48,
  num_frames: 9,
  num_inference_steps: 4,
  guidance_scale: 1,
  seed: 1234,
  frames_per_second: 16,
};

async function clip(): Promise<Uint8Array> {
  const rgba = new Uint8Array(64 * 48 * 4 * 9).map((_, i) => (i * 7 + (i >> 12)) & 255);
  return encodeMp4Node({ rgba, width: 64, height: 48, numFrames: 9 }, { fps: 16 });
}

/** Each sample's bytes, located by stco/co64, stsc and stsz of the first track. */
function samples(mp4: Uint8Array): Uint8Array[] {
  const stbl = findBox(mp4, ['moov', 'trak', 'mdia', 'minf', 'stbl'])!;
  const boxes = readBoxes(stbl.body);
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stsz = view(boxes.find((b) => b.type === 'stsz')!.body);
  const fixed = stsz.getUint32(4);
  const sizes = Array.from({ length: stsz.getUint32(8) }, (_, i) => fixed || stsz.getUint32(12 + 4 * i));
  const co = boxes.find((b) => b.type === 'stco' || b.type === 'co64')!;
  const cv = view(co.body);
  const offsets = Array.from({ length: cv.getUint32(4) }, (_, i) =>
    co.type === 'stco' ? cv.getUint32(8 + 4 * i) : Number(cv.getBigUint64(8 + 8 * i)),
  );
  const stsc = view(boxes.find((b) => b.type === 'stsc')!.body);
  const runs = Array.from({ length: stsc.getUint32(4) }, (_, i) => ({
    first: stsc.getUint32(8 + 12 * i),
    perChunk: stsc.getUint32(12 + 12 * i),
  }));
  const out: Uint8Array[] = [];
  let s = 0;
  offsets.forEach((offset, c) => {
    const run = [...runs].reverse().find((r) => r.first <= c + 1)!;
    let pos = offset;
    for (let k = 0; k < run.perChunk && s < sizes.length; k++, s++) {
      out.push(mp4.slice(pos, pos + sizes[s]!));
      pos += sizes[s]!;
    }
  });
  return out;
}

/** The file with moov moved before mdat and its chunk offsets moved by moov's size (a fast-start file). */
function moovFirst(mp4: Uint8Array): Uint8Array {
  const boxes: { type: string; bytes: Uint8Array }[] = [];
  for (let pos = 0; pos < mp4.length;) {
    const size = new DataView(mp4.buffer, mp4.byteOffset).getUint32(pos);
    boxes.push({ type: String.fromCharCode(...mp4.subarray(pos + 4, pos + 8)), bytes: mp4.slice(pos, pos + size) });
    pos += size;
  }
  const moov = boxes.find((b) => b.type === 'moov')!;
  const rest = boxes.filter((b) => b !== moov);
  const ftyp = rest.shift()!;
  const out = new Uint8Array(mp4.length);
  out.set(ftyp.bytes, 0);
  out.set(moov.bytes, ftyp.bytes.length);
  let pos = ftyp.bytes.length + moov.bytes.length;
  for (const b of rest) {
    out.set(b.bytes, pos);
    pos += b.bytes.length;
  }
  const stco = findBox(out, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stco'])!;
  const v = new DataView(stco.body.buffer, stco.body.byteOffset, stco.body.byteLength);
  for (let i = 0; i < v.getUint32(4); i++) v.setUint32(8 + 4 * i, v.getUint32(8 + 4 * i) + moov.bytes.length);
  return out;
}

describe('the recipe in an MP4', () => {
  const recipe = recipeOf('phosphene/v1/text-to-video', params, { variant: 'q4', model_version: 'abc123' });

  it('round-trips through a real MP4 whose media follows moov or precedes it, leaving every sample intact', async () => {
    const original = await clip();
    expect(readRecipe(original)).toBeUndefined();
    for (const file of [original, moovFirst(original)]) {
      expect(samples(file).map((s) => s.length)).toEqual(samples(original).map((s) => s.length));
      const tagged = writeRecipe(file, recipe);
      expect(readRecipe(tagged)).toEqual(recipe);
      expect(describeVideoTrack(tagged)).toEqual(describeVideoTrack(file));
      expect(samples(tagged)).toEqual(samples(original));
    }
  });

  it('replaces an earlier recipe instead of adding a second', async () => {
    const once = writeRecipe(await clip(), recipe);
    const other = recipeOf('phosphene/v1/text-to-video', { ...params, seed: 99 });
    const twice = writeRecipe(once, other);
    expect(readRecipe(twice)).toEqual(other);
    expect(readBoxes(findBox(twice, ['moov'])!.body).filter((b) => b.type === 'udta')).toHaveLength(1);
    expect(twice.length).toBe(once.length + JSON.stringify(other).length - JSON.stringify(recipe).length);
  });

  it('reads nothing from files without one or with a foreign comment, and refuses a non-MP4', () => {
    expect(readRecipe(new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(() => writeRecipe(new Uint8Array(16), recipe)).toThrow(/moov/);
  });
});
