/**
 * Runs every graph of both generated packages with onnxruntime-node: output shapes, finite values,
 * non-trivial outputs that depend on their conditioning, the decoder's range and causality.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitWords, type TokenizerJson } from '../../models/phosphene-random/tokenizer';

const root = path.resolve(import.meta.dirname, '../..');
const session = (dir: string, file: string, options: ort.InferenceSession.SessionOptions = {}) =>
  ort.InferenceSession.create(path.join(root, dir, file), { executionProviders: ['cpu'], ...options });

/** Deterministic standard-normal-ish values (sum of uniforms) from a small LCG. */
function noise(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < count; i++) out[i] = (u() + u() + u() + u() - 2) * Math.sqrt(3);
  return out;
}

function stats(t: ort.Tensor) {
  const d = t.data as Float32Array;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (const v of d) {
    finite &&= Number.isFinite(v);
    sum += v;
    sq += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / d.length;
  return { finite, mean, std: Math.sqrt(sq / d.length - mean * mean), min, max };
}

const maxAbsDiff = (a: ort.Tensor, b: ort.Tensor) =>
  (a.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - (b.data as Float32Array)[i]!)), 0);

const PACKAGES = [
  {
    dir: 'tests/fixtures/models/phosphene-tiny',
    hidden: 32,
    shapes: [
      [5, 64, 64],
      [9, 80, 128],
    ] as const,
  },
  { dir: 'models/phosphene-random', hidden: 64, shapes: [[9, 144, 256]] as const },
];

describe.each(PACKAGES)('$dir', ({ dir, hidden, shapes }) => {
  let tokenizer: TokenizerJson;
  const encode = (prompt: string) => {
    const index = new Map(tokenizer.vocab.map((w, i) => [w, i]));
    const ids = [
      tokenizer.bos_id,
      ...splitWords(prompt).map((w) => index.get(w) ?? tokenizer.unk_id),
      tokenizer.eos_id,
    ];
    while (ids.length < tokenizer.max_length) ids.push(tokenizer.pad_id);
    return new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, tokenizer.max_length]);
  };
  let textEncoder: ort.InferenceSession;
  let denoiser: ort.InferenceSession;
  let decoder: ort.InferenceSession;
  let encoder: ort.InferenceSession;
  let red: ort.Tensor;
  let blue: ort.Tensor;
  // The LoRA factor inputs at rank 1, zero: the graph's output is then that of the plain model.
  let noLora: Record<string, ort.Tensor> = {};

  beforeAll(async () => {
    tokenizer = JSON.parse(await readFile(path.join(root, dir, 'tokenizer.json'), 'utf8')) as TokenizerJson;
    const manifest = JSON.parse(await readFile(path.join(root, dir, 'model.json'), 'utf8')) as {
      graphs: {
        denoiser: {
          lora: { layers: { in_features: number; out_features: number; down_input: string; up_input: string }[] };
        };
      };
    };
    noLora = Object.fromEntries(
      manifest.graphs.denoiser.lora.layers.flatMap((l) => [
        [l.down_input, new ort.Tensor('float32', new Float32Array(l.in_features), [l.in_features, 1])],
        [l.up_input, new ort.Tensor('float32', new Float32Array(l.out_features), [1, l.out_features])],
      ]),
    );
    [textEncoder, denoiser, decoder, encoder] = await Promise.all([
      session(dir, 'text_encoder.onnx'),
      session(dir, 'denoiser.onnx'),
      session(dir, 'vae_decoder.onnx'),
      session(dir, 'vae_encoder.onnx'),
    ]);
    red = (await textEncoder.run({ input_ids: encode('a red circle moving right on a black background') }))
      .hidden_states!;
    blue = (await textEncoder.run({ input_ids: encode('two blue squares moving left on a sunset gradient') }))
      .hidden_states!;
  });

  it('text encoder: input_ids [1, 32] → hidden_states [1, 32, hidden], prompt-dependent', () => {
    expect(red.dims).toEqual([1, 32, hidden]);
    expect(red.type).toBe('float32');
    const s = stats(red);
    expect(s.finite).toBe(true);
    expect(s.std).toBeGreaterThan(0.5);
    expect(maxAbsDiff(red, blue)).toBeGreaterThan(0.1);
  });

  it('text encoder: accepts any sequence length up to max_length', async () => {
    const ids = new ort.Tensor('int64', BigInt64Array.from([2n, 5n, 3n]), [1, 3]);
    expect((await textEncoder.run({ input_ids: ids })).hidden_states!.dims).toEqual([1, 3, hidden]);
  });

  describe.each(shapes.map(([frames, height, width]) => ({ frames, height, width })))(
    'at $width×$height×$frames',
    ({ frames, height, width }) => {
      const T = 1 + (frames - 1) / 4;
      const latentDims = [1, 4, T, height / 8, width / 8];
      const count = latentDims.reduce((a, b) => a * b, 1);
      const latents = () => new ort.Tensor('float32', noise(count, 7), latentDims);
      const timestep = (t: number) => new ort.Tensor('float32', Float32Array.from([t]), [1]);

      it('denoiser: velocity has the latent shape, is bounded and depends on timestep and prompt', async () => {
        const run = async (t: number, text: ort.Tensor) =>
          (await denoiser.run({ latents: latents(), timestep: timestep(t), encoder_hidden_states: text, ...noLora }))
            .velocity!;
        const v = await run(750, red);
        expect(v.dims).toEqual(latentDims);
        const s = stats(v);
        expect(s.finite).toBe(true);
        expect(s.std).toBeGreaterThan(0.2);
        expect(Math.max(-s.min, s.max)).toBeLessThan(50);
        expect(maxAbsDiff(v, await run(250, red))).toBeGreaterThan(0.05);
        expect(maxAbsDiff(v, await run(750, blue))).toBeGreaterThan(0.05);
      });

      it('denoiser: batch items are independent (classifier-free guidance runs batch 2)', async () => {
        const one = (
          await denoiser.run({ latents: latents(), timestep: timestep(500), encoder_hidden_states: red, ...noLora })
        ).velocity!;
        const twoLatents = new Float32Array(count * 2);
        twoLatents.set(latents().data as Float32Array, 0);
        twoLatents.set(latents().data as Float32Array, count);
        const text = new Float32Array(red.size * 2);
        text.set(red.data as Float32Array, 0);
        text.set(blue.data as Float32Array, red.size);
        const two = await denoiser.run({
          latents: new ort.Tensor('float32', twoLatents, [2, ...latentDims.slice(1)]),
          timestep: new ort.Tensor('float32', Float32Array.from([500, 500]), [2]),
          encoder_hidden_states: new ort.Tensor('float32', text, [2, ...red.dims.slice(1)]),
          ...noLora,
        });
        const v = two.velocity!.data as Float32Array;
        expect(maxAbsDiff(one, new ort.Tensor('float32', v.slice(0, count), latentDims))).toBeLessThan(1e-4);
      });

      it('vae decoder: frames [1, 3, 1+4(T−1), 8h, 8w] in [−1, 1], causal in time', async () => {
        const z = latents();
        const out = (await decoder.run({ latents: z })).frames!;
        expect(out.dims).toEqual([1, 3, frames, height, width]);
        const s = stats(out);
        expect(s.finite).toBe(true);
        // Tanh ends the graph; ONNX Runtime's vectorised tanh may overshoot ±1 by an ulp.
        expect(s.min).toBeGreaterThanOrEqual(-1 - 1e-6);
        expect(s.max).toBeLessThanOrEqual(1 + 1e-6);
        expect(s.std).toBeGreaterThan(0.05);
        // Changing the last latent frame may change only the last 4 output frames.
        const changed = Float32Array.from(z.data as Float32Array);
        const perFrame = count / T;
        for (let c = 0; c < 4; c++)
          for (let i = 0; i < perFrame / 4; i++) changed[c * T * (perFrame / 4) + (T - 1) * (perFrame / 4) + i]! += 1;
        const out2 = (await decoder.run({ latents: new ort.Tensor('float32', changed, latentDims) })).frames!;
        const frameSize = height * width;
        const frameDiff = (f: number) => {
          let m = 0;
          for (let c = 0; c < 3; c++)
            for (let i = 0; i < frameSize; i++) {
              const k = (c * frames + f) * frameSize + i;
              m = Math.max(m, Math.abs((out.data as Float32Array)[k]! - (out2.data as Float32Array)[k]!));
            }
          return m;
        };
        for (let f = 0; f < frames - 4; f++) expect(frameDiff(f), `frame ${f}`).toBe(0);
        expect(frameDiff(frames - 1)).toBeGreaterThan(1e-3);
      });

      it('vae encoder: frames → latent mean [1, 4, 1+k, h, w]', async () => {
        const video = new ort.Tensor(
          'float32',
          noise(3 * frames * height * width, 3).map((v) => Math.tanh(v)),
          [1, 3, frames, height, width],
        );
        const z = (await encoder.run({ frames: video })).latents!;
        expect(z.dims).toEqual(latentDims);
        const s = stats(z);
        expect(s.finite).toBe(true);
        expect(s.std).toBeGreaterThan(0.01);
      });

      it('sessions created with freeDimensionOverrides (static shapes per job) give the same results', async () => {
        const overrides = {
          batch: 1,
          latent_frames: T,
          latent_height: height / 8,
          latent_width: width / 8,
          seq: 32,
          lora_rank: 1,
        };
        const fixed = await session(dir, 'denoiser.onnx', {
          freeDimensionOverrides: overrides,
          graphOptimizationLevel: 'all',
        });
        const feeds = { latents: latents(), timestep: timestep(300), encoder_hidden_states: red, ...noLora };
        const a = (await fixed.run(feeds)).velocity!;
        expect(maxAbsDiff(a, (await denoiser.run(feeds)).velocity!)).toBeLessThan(1e-4);
        const fixedDecoder = await session(dir, 'vae_decoder.onnx', {
          freeDimensionOverrides: overrides,
          graphOptimizationLevel: 'all',
        });
        expect((await fixedDecoder.run({ latents: latents() })).frames!.dims).toEqual([1, 3, frames, height, width]);
        const fixedText = await session(dir, 'text_encoder.onnx', { freeDimensionOverrides: overrides });
        expect((await fixedText.run({ input_ids: encode('a star') })).hidden_states!.dims).toEqual([1, 32, hidden]);
        const fixedEncoder = await session(dir, 'vae_encoder.onnx', {
          freeDimensionOverrides: { batch: 1, frames, height, width },
        });
        expect(
          (
            await fixedEncoder.run({
              frames: new ort.Tensor('float32', new Float32Array(3 * frames * height * width), [
                1,
                3,
                frames,
                height,
                width,
              ]),
            })
          ).latents!.dims,
        ).toEqual(latentDims);
      });
    },
  );
});
