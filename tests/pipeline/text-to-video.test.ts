import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsPackageSource } from '../../server/models/fs-package-source';
import { ortNodeBackend } from '../../server/inference/ort-node';
import { loadModelPackage } from '../../src/pipeline/model-package/load';
import { resolveParams } from '../../src/pipeline/params';
import { textToVideo } from '../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../src/pipeline/video-pipeline';
import { InvalidParamsError, JobAbortedError } from '../../src/shared/errors';
import type { GenerateParams, ProgressEvent } from '../../src/shared/protocol';

// The real tiny fixture package on onnxruntime-node's CPU provider: no mocks.
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

beforeAll(async () => {
  pipe = createVideoPipeline(
    await loadModelPackage(fsPackageSource('tests/fixtures/models/phosphene-tiny')),
    ortNodeBackend,
    'cpu',
  );
});
afterAll(() => pipe.release());

describe('textToVideo on the tiny fixture (onnxruntime-node, CPU)', () => {
  it('returns RGBA frames of the requested size, the final latents and placements', async () => {
    const events: ProgressEvent[] = [];
    const result = await textToVideo(pipe, params(), { onProgress: (e) => events.push(e) });
    expect(result.frames).toMatchObject({ width: 64, height: 64, numFrames: 5 });
    expect(result.frames.rgba).toHaveLength(5 * 64 * 64 * 4);
    expect(result.latentDims).toEqual([1, 4, 2, 8, 8]);
    expect(result.latents).toHaveLength(4 * 2 * 8 * 8);
    expect(result.latents.every(Number.isFinite)).toBe(true);
    expect(result.device).toBe('cpu');
    // Frames carry an image, not a constant: a broken decoder returning zeros would give one grey.
    expect(new Set(result.frames.rgba.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(10);
    expect(events.map((e) => e.type)).toEqual(['encode-prompt', 'step', 'step', 'decode']);
    expect(events[1]).toEqual({ type: 'step', step: 1, totalSteps: 2, timestep: 1000 });
    expect(result.placement.map((p) => p.graph)).toEqual(['text_encoder', 'denoiser', 'vae_decoder']);
    for (const p of result.placement) {
      expect(Object.keys(p.nodesByProvider)).toEqual(['cpu']);
      expect(p.nodesByProvider.cpu).toBeGreaterThan(10);
    }
  });

  it('is deterministic: the same seed gives identical latents and frames', async () => {
    const a = await textToVideo(pipe, params({ seed: 7 }));
    const b = await textToVideo(pipe, params({ seed: 7 }));
    expect(b.latents).toEqual(a.latents);
    expect(b.frames.rgba).toEqual(a.frames.rgba);
  });

  it('gives different latents for a different seed or prompt', async () => {
    const a = await textToVideo(pipe, params({ seed: 7 }));
    expect((await textToVideo(pipe, params({ seed: 8 }))).latents).not.toEqual(a.latents);
    expect((await textToVideo(pipe, params({ seed: 7, prompt: 'two blue squares' }))).latents).not.toEqual(a.latents);
  });

  it('applies classifier-free guidance with a batch of two when guidance_scale > 1', async () => {
    const plain = await textToVideo(pipe, params({ guidance_scale: 1 }));
    const guided = await textToVideo(pipe, params({ guidance_scale: 3, negative_prompt: 'noise' }));
    expect(guided.latents).not.toEqual(plain.latents);
    expect(guided.latents.every(Number.isFinite)).toBe(true);
  });

  it('skips guidance above the manifest’s guidance_max_sigma: the prompt’s velocity alone there', async () => {
    const pkg = await loadModelPackage(fsPackageSource('tests/fixtures/models/phosphene-tiny'));
    const scheduler = { ...pkg.manifest.scheduler, guidance_max_sigma: 0.9 };
    const limited = createVideoPipeline({ ...pkg, manifest: { ...pkg.manifest, scheduler } }, ortNodeBackend, 'cpu');
    try {
      // One step, at σ = 1: outside the interval, so guidance 3 gives (within float rounding of the batch of
      // two) the unguided clip, where the same job on the whole-range pipeline does not.
      const one = { num_inference_steps: 1, guidance_scale: 3, negative_prompt: 'noise' };
      const plain = await textToVideo(pipe, params({ num_inference_steps: 1, guidance_scale: 1 }));
      const skipped = await textToVideo(limited, params(one));
      const everywhere = await textToVideo(pipe, params(one));
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      expect(maxDiff(skipped.latents, plain.latents)).toBeLessThan(1e-4);
      expect(maxDiff(everywhere.latents, plain.latents)).toBeGreaterThan(1e-2);
      // Three steps (σ 1, 0.5, 0.001 on this package's linspace schedule): the second and third are guided.
      const three = { ...one, num_inference_steps: 3 };
      const threePlain = await textToVideo(limited, params({ num_inference_steps: 3, guidance_scale: 1 }));
      expect(maxDiff((await textToVideo(limited, params(three))).latents, threePlain.latents)).toBeGreaterThan(1e-2);
    } finally {
      await limited.release();
    }
  });

  it('crops padded latents back to a 128×72 request', async () => {
    const result = await textToVideo(pipe, params({ width: 128, height: 72, num_frames: 9 }));
    expect(result.latentDims).toEqual([1, 4, 3, 10, 16]);
    expect(result.frames).toMatchObject({ width: 128, height: 72, numFrames: 9 });
    expect(result.frames.rgba).toHaveLength(9 * 72 * 128 * 4);
  });

  it('rejects with JobAbortedError when aborted between steps', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const run = textToVideo(pipe, params({ num_inference_steps: 4 }), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step') {
          steps.push(e.step);
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(JobAbortedError);
    expect(steps).toEqual([1]);
  });

  it('rejects bad parameters before running any graph', async () => {
    const events: ProgressEvent[] = [];
    await expect(
      textToVideo(pipe, params({ num_frames: 6 }), { onProgress: (e) => events.push(e) }),
    ).rejects.toBeInstanceOf(InvalidParamsError);
    await expect(textToVideo(pipe, params({ prompt: ' ' }))).rejects.toThrow(/prompt must not be empty/);
    await expect(textToVideo(pipe, params({ width: 100 }))).rejects.toThrow(/use one of 64×64, 128×72/);
    expect(events).toEqual([]);
  });
});
