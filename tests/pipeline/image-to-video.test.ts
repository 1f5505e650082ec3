import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { psnr } from '../../models/world/metrics';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { videoFromImage } from '../../src/pipeline/frames';
import { encodeVideo } from '../../src/pipeline/graphs/vae-encoder';
import { resizeCover } from '../../src/pipeline/image-resize';
import { imageToVideo, type ImageConditioning } from '../../src/pipeline/image-to-video';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { InvalidParamsError } from '../../src/shared/errors';
import type { ConditioningImage, GenerateParams, ProgressEvent } from '../../src/shared/protocol';

// The real tiny fixture on onnxruntime-node's CPU provider, as in text-to-video.test.ts.
let pipe: VideoPipeline;
const params = (change: Partial<GenerateParams> = {}): GenerateParams =>
  resolveParams(pipe.manifest, {
    prompt: 'a red circle moving left',
    width: 64,
    height: 64,
    num_frames: 5,
    num_inference_steps: 2,
    seed: 42,
    ...change,
  });

/** A smooth 96×80 picture (the pipeline must cover-crop it to 64×64), tinted by `hue`. */
function picture(hue = 0, width = 96, height = 80): ConditioningImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rgba.set([(x * 2 + hue) & 255, (y * 3) & 255, (128 + hue - x) & 255, 255], (y * width + x) * 4);
  return { rgba, width, height };
}

/** The latent frame `f` of `[1, C, F, h, w]` latents, as `[C, h, w]`. */
function latentFrame(latents: Float32Array, dims: readonly number[], f: number): Float32Array {
  const [, c, frames, h, w] = dims as number[];
  const plane = h! * w!;
  const out = new Float32Array(c! * plane);
  for (let ch = 0; ch < c!; ch++)
    out.set(latents.subarray((ch * frames! + f) * plane, (ch * frames! + f + 1) * plane), ch * plane);
  return out;
}

/** The scaled latent the VAE encoder gives for `image` at the job's size. */
async function encodedLatent(image: ConditioningImage, p: GenerateParams): Promise<Float32Array> {
  const { video, dims } = videoFromImage(resizeCover(image, p.width, p.height), 64, 64);
  return (await encodeVideo(pipe, video, dims)).latents;
}

const i2v = (image = picture()): ImageConditioning => ({ mode: 'image-to-video', image });

beforeAll(async () => {
  pipe = createVideoPipeline(
    await loadModelPackage(fsPackageSource('tests/fixtures/models/phosphene-tiny')),
    ortNodeBackend,
    'cpu',
  );
});
afterAll(() => pipe.release());

describe('imageToVideo on the tiny fixture (onnxruntime-node, CPU)', () => {
  it('ends with latent frame 0 equal to the encoded image latent, exactly', async () => {
    const events: ProgressEvent[] = [];
    const p = params();
    const result = await imageToVideo(pipe, p, i2v(), { onProgress: (e) => events.push(e) });
    expect(result.latentDims).toEqual([1, 4, 2, 8, 8]);
    expect(latentFrame(result.latents, result.latentDims, 0)).toEqual(await encodedLatent(picture(), p));
    expect(result.frames).toMatchObject({ width: 64, height: 64, numFrames: 5 });
    expect(result.latents.every(Number.isFinite)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['encode-prompt', 'step', 'step', 'decode']);
    expect(result.placement.map((g) => g.graph)).toEqual(['text_encoder', 'vae_encoder', 'denoiser', 'vae_decoder']);
  });

  it('is deterministic: the same seed and image give identical latents and frames', async () => {
    const a = await imageToVideo(pipe, params({ seed: 7 }), i2v());
    const b = await imageToVideo(pipe, params({ seed: 7 }), i2v());
    expect(b.latents).toEqual(a.latents);
    expect(b.frames.rgba).toEqual(a.frames.rgba);
  });

  it('differs from text-to-video with the same seed only through the conditioning', async () => {
    // One step runs at σ = 1, where (1 − σ)·z + σ·ε is ε itself: the denoiser sees exactly the
    // text-to-video input, so every unconditioned latent frame must be identical, bit for bit.
    const one = params({ num_inference_steps: 1 });
    const t2v = await textToVideo(pipe, one);
    const conditioned = await imageToVideo(pipe, one, i2v());
    expect(latentFrame(conditioned.latents, conditioned.latentDims, 1)).toEqual(
      latentFrame(t2v.latents, t2v.latentDims, 1),
    );
    expect(latentFrame(conditioned.latents, conditioned.latentDims, 0)).not.toEqual(
      latentFrame(t2v.latents, t2v.latentDims, 0),
    );
    // With two steps the second prediction sees the half-noised image at σ = 0.5, so the other frames
    // move away from text-to-video's; a different image moves them differently.
    const t2v2 = await textToVideo(pipe, params());
    const a = await imageToVideo(pipe, params(), i2v(picture(0)));
    const b = await imageToVideo(pipe, params(), i2v(picture(90)));
    const rest = (r: { latents: Float32Array; latentDims: number[] }) => latentFrame(r.latents, r.latentDims, 1);
    expect(rest(a)).not.toEqual(rest(t2v2));
    expect(rest(b)).not.toEqual(rest(a));
  });

  it('holds both ends in first-last-frame mode when the model lists it', async () => {
    const flfPipe: VideoPipeline = {
      ...pipe,
      manifest: { ...pipe.manifest, modes: [...pipe.manifest.modes, 'first-last-frame'] },
    };
    const p = params({ num_frames: 9 });
    const first = picture(0);
    const last = picture(160, 40, 120);
    const result = await imageToVideo(flfPipe, p, { mode: 'first-last-frame', image: first, last_image: last });
    expect(result.latentDims).toEqual([1, 4, 3, 8, 8]);
    expect(latentFrame(result.latents, result.latentDims, 0)).toEqual(await encodedLatent(first, p));
    expect(latentFrame(result.latents, result.latentDims, 2)).toEqual(await encodedLatent(last, p));
  });

  describe('refuses before running any graph', () => {
    it('a missing image, saying what to give', async () => {
      const events: ProgressEvent[] = [];
      const run = imageToVideo(pipe, params(), { mode: 'image-to-video' }, { onProgress: (e) => events.push(e) });
      await expect(run).rejects.toBeInstanceOf(InvalidParamsError);
      await expect(imageToVideo(pipe, params(), { mode: 'image-to-video' })).rejects.toThrow(
        /image is required for image-to-video: give the first frame/,
      );
      expect(events).toEqual([]);
    });

    it('a mode the model does not list, naming the modes it has', async () => {
      await expect(
        imageToVideo(pipe, params(), { mode: 'first-last-frame', image: picture(), last_image: picture() }),
      ).rejects.toThrow(
        'phosphene/tiny-test/text-to-video does not support first-last-frame (it supports text-to-video, image-to-video)',
      );
      const textOnly: VideoPipeline = { ...pipe, manifest: { ...pipe.manifest, modes: ['text-to-video'] } };
      await expect(imageToVideo(textOnly, params(), i2v())).rejects.toThrow(/does not support image-to-video/);
    });

    it('a last image without its mode, a missing last image, or a malformed image', async () => {
      const withLast = { ...i2v(), last_image: picture() };
      await expect(imageToVideo(pipe, params(), withLast)).rejects.toThrow(
        /last_image is only used by first-last-frame/,
      );
      const flfPipe: VideoPipeline = {
        ...pipe,
        manifest: { ...pipe.manifest, modes: ['image-to-video', 'first-last-frame'] },
      };
      await expect(imageToVideo(flfPipe, params(), { mode: 'first-last-frame', image: picture() })).rejects.toThrow(
        /last_image is required/,
      );
      const short = { rgba: new Uint8Array(10), width: 4, height: 4 };
      await expect(imageToVideo(pipe, params(), i2v(short))).rejects.toThrow(/4×4×4 RGBA bytes; got 10/);
      const huge = { rgba: new Uint8Array(0), width: 5000, height: 1 };
      await expect(imageToVideo(pipe, params(), i2v(huge))).rejects.toThrow(/1 to 4096 pixels/);
    });
  });

  it('reports the first-frame PSNR against the cover-fitted image (random VAE: low, stated not asserted high)', async () => {
    const p = params();
    const result = await imageToVideo(pipe, p, i2v());
    const target = resizeCover(picture(), 64, 64).rgba;
    const value = psnr(result.frames.rgba.subarray(0, 64 * 64 * 4), target);
    console.info(`tiny fixture: first-frame PSNR ${value.toFixed(2)} dB`);
    expect(Number.isFinite(value)).toBe(true);
  });
});
