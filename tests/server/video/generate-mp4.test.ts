/**
 * Frames into the MP4 as they decode: the writer takes chunks in order and gives the same file as the whole
 * clip at once, refuses chunks out of order or of another size, and a job on the built-in model hands its
 * frames over one latent frame (4 frames) at a time, so the clip's raw frames are never all in memory.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { streamFramesNode, type NodeGenerate } from '../../../server/models/node-generate';
import { encodeMp4Node, openMp4Node } from '../../../server/video/encode-mp4-node';
import { generateMp4 } from '../../../server/video/generate-mp4';
import { readRecipe } from '../../../src/pipeline/mp4-recipe';
import type { FrameChunk } from '../../../src/shared/protocol';

const V1 = path.resolve('models/phosphene-v1');
const [W, H, F] = [64, 48, 9];
const frameBytes = W * H * 4;
const rgba = new Uint8Array(frameBytes * F).map((_, i) => (i * 7 + (i >> 12)) & 255);
const chunk = (first: number, count: number): FrameChunk => ({
  rgba: rgba.subarray(first * frameBytes, (first + count) * frameBytes),
  width: W,
  height: H,
  numFrames: F,
  first,
  count,
});

/**
 * The file with the creation and modification times of its movie, track and media headers zeroed: the muxer
 * stamps the wall clock (in seconds), so two encodes of the same frames differ there when a second ticks
 * between them (seen on a loaded machine), and only there.
 */
function withoutTimes(mp4: Uint8Array): Buffer {
  const out = Buffer.from(mp4);
  for (const box of ['mvhd', 'tkhd', 'mdhd']) {
    for (let at = out.indexOf(box); at >= 0; at = out.indexOf(box, at + 4)) {
      const version = out[at + 4];
      out.fill(0, at + 8, at + 8 + (version === 1 ? 16 : 8));
    }
  }
  return out;
}

describe('openMp4Node', () => {
  it('writes chunks in order into the file the whole clip gives', async () => {
    const whole = await encodeMp4Node({ rgba, width: W, height: H, numFrames: F }, { fps: 16 });
    const writer = await openMp4Node(W, H, { fps: 16 });
    try {
      for (const [first, count] of [
        [0, 1],
        [1, 4],
        [5, 4],
      ] as const)
        writer.add(chunk(first, count));
      const chunked = writer.finish();
      expect(chunked.length).toBe(whole.length);
      expect(withoutTimes(chunked).equals(withoutTimes(whole))).toBe(true);
    } finally {
      writer.close();
    }
  });

  it('refuses a chunk out of order, of another size or short of bytes', async () => {
    const writer = await openMp4Node(W, H, { fps: 16 });
    try {
      expect(() => writer.add(chunk(1, 4))).toThrow(/frame 1 sent when 0 was expected/);
      expect(() => writer.add({ ...chunk(0, 1), width: 32 })).toThrow(/frames of 32×48 sent to a 64×48 encoder/);
      expect(() => writer.add({ ...chunk(0, 2), count: 3 })).toThrow(/expected 36864 RGBA bytes/);
    } finally {
      writer.close();
    }
  });
});

describe('generateMp4', () => {
  it("encodes the built-in model's frames chunk by chunk as they decode, with the recipe", async () => {
    const seen: number[] = [];
    const counting: NodeGenerate = (request, sink) =>
      streamFramesNode(request, async (c) => {
        seen.push(c.count);
        await sink(c);
      });
    const { mp4, generated } = await generateMp4(
      counting,
      {
        modelDir: V1,
        params: { prompt: 'a red circle moving right', width: 256, height: 144, num_frames: 17, seed: 7 },
      },
      { fps: 16 },
    );
    // Latent frame 0 is frame 0 alone, then 4 frames per latent frame.
    expect(seen).toEqual([1, 4, 4, 4, 4]);
    expect(generated.frames).toEqual({ width: 256, height: 144, numFrames: 17 });
    expect(readRecipe(mp4)?.params.seed).toBe(7);
  });

  it('fails a generation that hands over no frames instead of writing an empty file', async () => {
    const silent: NodeGenerate = async (request) => {
      const { generated } = await generateMp4(streamFramesNode, request, { fps: 16 });
      return generated;
    };
    await expect(
      generateMp4(
        silent,
        { modelDir: V1, params: { prompt: 'x', width: 256, height: 144, num_frames: 5, seed: 1 } },
        { fps: 16 },
      ),
    ).rejects.toThrow(/finished without handing over any frames/);
  });
});
