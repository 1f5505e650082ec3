/**
 * Extending a clip with the built-in model on onnxruntime-node: the clip's frames stay as they were, the
 * continuation follows on from its last frame, and the step at the join is of the size of the clip's own
 * motion (a seam would be a jump far above it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { extendClip, frameDelta, joinContinuation } from '../../src/pipeline/extend';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { InvalidParamsError } from '../../src/shared/errors';
import type { GenerateParams, RawFrames } from '../../src/shared/protocol';

/** `n` frames of `w`×`h`, frame `i` filled with the value `i`. */
function flatFrames(n: number, w = 4, h = 2, offset = 0): RawFrames {
  const rgba = new Uint8Array(n * w * h * 4);
  for (let i = 0; i < n; i++) rgba.fill(i + offset, i * w * h * 4, (i + 1) * w * h * 4);
  return { rgba, width: w, height: h, numFrames: n };
}

describe('joinContinuation', () => {
  it('keeps the clip and drops the continuation’s first frame (the redraw of the clip’s last)', () => {
    const joined = joinContinuation(flatFrames(3), flatFrames(4, 4, 2, 10));
    expect(joined.numFrames).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => joined.rgba[i * 32])).toEqual([0, 1, 2, 11, 12, 13]);
    expect(frameDelta(joined, 2, 3)).toBe(9);
  });
});

describe('extendClip with phosphene-v1 (q4, onnxruntime-node CPU)', () => {
  let pipe: VideoPipeline;
  const params = (change: Partial<GenerateParams> = {}) =>
    resolveParams(pipe.manifest, {
      prompt: 'a yellow square moving right on a navy background',
      width: 256,
      height: 144,
      num_frames: 9,
      seed: 5,
      ...change,
    });
  beforeAll(async () => {
    pipe = createVideoPipeline(await loadModelPackage(fsPackageSource('models/phosphene-v1')), ortNodeBackend, 'cpu');
  });
  afterAll(() => pipe?.release());

  it('continues a clip from its last frame without a jump at the join', async () => {
    const clip = (await textToVideo(pipe, params())).frames;
    const out = await extendClip(pipe, clip, params({ seed: 6 }));
    expect(out.frames.numFrames).toBe(9 + 8);
    expect(out.sourceFrames).toBe(9);
    expect(out.frames.rgba.subarray(0, clip.rgba.length)).toEqual(clip.rgba);
    console.info('extend seam (mean |Δ| 0–255):', out.seam);
    // The continuation starts from the clip's last picture (the VAE's redraw: measured 1.2 with the eleventh
    // export, 1.6 with the twelfth), and the step into it is at most that redraw's error plus one of the clip's
    // own steps between latent frames (eleventh: 6.1 against 6.9; twelfth, whose clip moves in smaller steps:
    // 4.0 against 3.5 + 1.6).
    expect(out.seam.redrawDelta).toBeLessThan(3);
    expect(out.seam.joinDelta).toBeLessThanOrEqual(out.seam.clipMaxDelta + out.seam.redrawDelta);
    // A cut to another scene is the seam this must not be: it jumps far above the clip's own steps.
    const other = await textToVideo(pipe, params({ prompt: 'two red circles moving up on a white background' }));
    const cut = joinContinuation(clip, other.frames);
    expect(frameDelta(cut, 8, 9)).toBeGreaterThan(3 * out.seam.clipMaxDelta);
  });

  it('refuses a continuation of another size than the clip, naming the field', async () => {
    const clip = flatFrames(5, 256, 144);
    await expect(extendClip(pipe, clip, params({ width: 854, height: 480 }))).rejects.toThrow(InvalidParamsError);
    await expect(extendClip(pipe, clip, params({ width: 854, height: 480 }))).rejects.toThrow(
      /clip's size \(256×144\)/,
    );
  });
});
