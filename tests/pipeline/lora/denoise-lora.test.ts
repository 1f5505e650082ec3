import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adaptedLayers,
  encodeSafetensors,
  syntheticLora,
  type AdaptedLayer,
} from '../../../models/phosphene-random/make-example-lora';
import { fsPackageSource } from '../../../server/models/fs-package-source';
import { ortNodeBackend } from '../../../server/inference/ort-node';
import { loadModelPackage, type ModelPackage } from '../../../src/pipeline/model-package/load';
import { resolveParams } from '../../../src/pipeline/params';
import { textToVideo } from '../../../src/pipeline/text-to-video';
import { createVideoPipeline, type VideoPipeline } from '../../../src/pipeline/video-pipeline';
import type { LoraWeights } from '../../../src/shared/protocol';

// The real tiny fixture on onnxruntime-node's CPU provider, with synthetic LoRA files from make-example-lora.
const TINY = 'tests/fixtures/models/phosphene-tiny';
let pkg: ModelPackage;
let pipe: VideoPipeline;
let layers: AdaptedLayer[];
let random: Uint8Array;
const empty = encodeSafetensors([]);

/** A pipeline whose manifest switches from the high- to the low-noise file at `boundary`. */
const withBoundary = (boundary: number): VideoPipeline => {
  const denoiser = pkg.manifest.graphs.denoiser;
  const manifest = {
    ...pkg.manifest,
    graphs: {
      ...pkg.manifest.graphs,
      denoiser: { ...denoiser, lora: { ...denoiser.lora!, boundary_sigma: boundary } },
    },
  };
  return createVideoPipeline({ ...pkg, manifest }, ortNodeBackend, 'cpu');
};

const run = async (lora?: LoraWeights, p = pipe) =>
  (
    await textToVideo(
      p,
      resolveParams(p.manifest, {
        prompt: 'a red circle moving left',
        width: 64,
        height: 64,
        num_frames: 5,
        num_inference_steps: 4,
        seed: 42,
      }),
      { lora },
    )
  ).latents;
const rms = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

beforeAll(async () => {
  pkg = await loadModelPackage(fsPackageSource(TINY));
  pipe = createVideoPipeline(pkg, ortNodeBackend, 'cpu');
  layers = await adaptedLayers(TINY);
  random = syntheticLora(layers, 4, 3);
});
afterAll(() => pipe.release());

describe('textToVideo with a LoRA on the tiny fixture', () => {
  it('declares q, k, v and out of every attention of every block as adapted layers', () => {
    expect(layers.map((l) => l.name)).toEqual(
      ['attn_spatial', 'attn_temporal', 'attn_cross'].flatMap((a) =>
        ['to_q', 'to_k', 'to_v', 'to_out'].map((p) => `blocks.0.${a}.${p}`),
      ),
    );
  });

  it('a LoRA of zeros (rank 4) gives bit-identical latents to no LoRA', async () => {
    const zeros = syntheticLora(layers, 4, 3, 0);
    expect(await run({ high_noise: zeros, low_noise: zeros, scale: 1 })).toEqual(await run());
  });

  it('scale 0 equals no LoRA; a random LoRA changes the output, more with a larger scale', async () => {
    const none = await run();
    expect(await run({ high_noise: random, low_noise: random, scale: 0 })).toEqual(none);
    const diffs = [];
    for (const scale of [0.25, 1, 2])
      diffs.push(rms(await run({ high_noise: random, low_noise: random, scale }), none));
    expect(diffs[0]).toBeGreaterThan(1e-3);
    expect(diffs[1]).toBeGreaterThan(diffs[0]!);
    expect(diffs[2]).toBeGreaterThan(diffs[1]!);
  });

  describe('high_noise and low_noise files', () => {
    it('a high_noise-only LoRA has no effect when every step is below the boundary', async () => {
      const allLow = withBoundary(1);
      try {
        const none = await run(undefined, allLow);
        // The fixture's 4 steps run at σ = 1, 0.75, 0.5, 0.25: with boundary 1 only the first is high.
        const highOnly = { high_noise: random, low_noise: empty, scale: 1 };
        expect(rms(await run(highOnly, allLow), none)).toBeGreaterThan(1e-3);
        const none2 = withBoundary(1.01);
        try {
          expect(await run(highOnly, none2)).toEqual(await run(undefined, none2));
        } finally {
          await none2.release();
        }
      } finally {
        await allLow.release();
      }
    });

    it('a low_noise-only LoRA has no effect when every step is at or above the boundary', async () => {
      const allHigh = withBoundary(0);
      try {
        const lowOnly = { high_noise: empty, low_noise: random, scale: 1 };
        expect(await run(lowOnly, allHigh)).toEqual(await run(undefined, allHigh));
        // With the manifest's boundary (0.5) the late steps use it.
        expect(rms(await run(lowOnly), await run())).toBeGreaterThan(1e-3);
      } finally {
        await allHigh.release();
      }
    });
  });

  it('refuses a LoRA whose layers do not fit before running any graph', async () => {
    const other = syntheticLora([{ name: 'blocks.7.attn.to_q', in_features: 32, out_features: 32 }], 2, 1);
    await expect(run({ high_noise: other, low_noise: empty, scale: 1 })).rejects.toThrow(
      /^LoRA high_noise does not fit this model: unknown tensors blocks\.7\.attn\.to_q\.lora_down\.weight/,
    );
  });
});
