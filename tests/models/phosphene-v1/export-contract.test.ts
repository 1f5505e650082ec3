/**
 * The contract every export of the built-in model must pass: each ONNX graph of the shipped package,
 * run by onnxruntime-node on inputs TypeScript builds from a formula, gives the outputs PyTorch gave
 * when `train/export.py` wrote `reference.json`, at shapes other than the export's (so the symbolic
 * dims really are dynamic). The manifest's tensor names are the graphs' own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { sourceCoordinates } from '../../../src/pipeline/graphs/vae-decoder';
import { parseManifest } from '../../../src/pipeline/model-package/manifest';

const DIR = path.resolve(process.env.V1_DIR ?? 'models/phosphene-v1');
const manifest = parseManifest(JSON.parse(readFileSync(path.join(DIR, 'model.json'), 'utf8')));
const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as Record<string, Summary> & {
  input_ids: number[];
};

interface Summary {
  dims: number[];
  head: number[];
  tail: number[];
  sum: number;
  sum_sq: number;
  /** The denoiser's reference also records the timestep it ran at. */
  timestep?: number;
}

/** x[i] = sin(0.37 i + phase), as `export.py`'s `formula`. */
function formula(dims: number[], phase: number, clamp = false): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.sin(i * 0.37 + phase);
    data[i] = clamp ? Math.min(1, Math.max(-1, v)) : v;
  }
  return new ort.Tensor('float32', data, dims);
}

const session = (file: string) => ort.InferenceSession.create(path.join(DIR, file));

function expectClose(out: ort.Tensor, want: Summary) {
  expect([...out.dims]).toEqual(want.dims);
  const data = out.data as Float32Array;
  let sum = 0;
  let sumSq = 0;
  for (const v of data) {
    sum += v;
    sumSq += v * v;
  }
  const head = [...data.slice(0, want.head.length)];
  const tail = [...data.slice(data.length - want.tail.length)];
  const near = (got: number[], ref: number[]) =>
    got.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-3 + 1e-3 * Math.abs(ref[i]!)));
  near(head, want.head);
  near(tail, want.tail);
  expect(Math.abs(sumSq - want.sum_sq) / Math.max(1, want.sum_sq)).toBeLessThan(1e-4);
  expect(Math.abs(sum - want.sum) / Math.max(1, Math.sqrt(want.sum_sq))).toBeLessThan(1e-3);
}

describe('phosphene-v1 export', () => {
  const files = manifest.variants.fp32!.files;
  const ids = new ort.Tensor('int64', BigInt64Array.from(reference.input_ids.map(BigInt)), [1, 32]);

  it('text encoder matches PyTorch', async () => {
    const s = await session(files.text_encoder);
    const g = manifest.graphs.text_encoder;
    const out = await s.run({ [g.inputs.input_ids.name]: ids });
    expectClose(out[g.outputs.hidden_states.name]!, reference.text_encoder!);
  });

  it("denoiser matches PyTorch with zero LoRA factors (batch 1, 5 latent frames: not the export's 3)", async () => {
    const text = await session(files.text_encoder);
    const hidden = (await text.run({ input_ids: ids })).hidden_states!;
    const s = await session(files.denoiser);
    const g = manifest.graphs.denoiser;
    const feeds: Record<string, ort.Tensor> = {
      [g.inputs.latents.name]: formula([1, 16, 5, 9, 16], 0),
      [g.inputs.timestep.name]: new ort.Tensor('float32', Float32Array.of(reference.denoiser!.timestep!), [1]),
      [g.inputs.encoder_hidden_states.name]: hidden,
    };
    for (const layer of g.lora!.layers) {
      feeds[layer.down_input] = new ort.Tensor('float32', new Float32Array(layer.in_features), [layer.in_features, 1]);
      feeds[layer.up_input] = new ort.Tensor('float32', new Float32Array(layer.out_features), [1, layer.out_features]);
    }
    const out = await s.run(feeds);
    expectClose(out[g.outputs.velocity.name]!, reference.denoiser!);
  });

  it('VAE decoder: the trunk turns latent frames into features, the second stage blends a frame with its neighbours and renders 4 frames at the source coordinates it is given (a band of rows)', async () => {
    const t = manifest.graphs.vae_decoder_trunk!;
    const g = manifest.graphs.vae_decoder;
    // One latent frame of context each side at both stages, as model.py's Decoder.CONTEXT declares.
    expect([t.context_latent_frames, g.context_latent_frames, g.first_frame]).toEqual([1, 1, 'first']);
    expect(g.size_inputs?.values).toBe('source_coordinates');
    // Three latent frames and their context: features of three, the second stage's input for one.
    const trunk = await (
      await session(files.vae_decoder_trunk!)
    ).run({ [t.inputs.latents.name]: formula([1, 16, 5, 9, 16], 1) });
    const features = trunk[t.outputs.features.name]!;
    expectClose(features, reference.vae_decoder_trunk!);
    const rows = sourceCoordinates(72, 72).slice(10, 42);
    const out = await (
      await session(files.vae_decoder)
    ).run({
      [g.inputs.latents.name]: features,
      [g.size_inputs!.height]: new ort.Tensor('float32', rows, [rows.length]),
      [g.size_inputs!.width]: new ort.Tensor('float32', sourceCoordinates(128, 128), [128]),
    });
    expectClose(out[g.outputs.frames.name]!, reference.vae_decoder!);
  });

  it('VAE encoder maps 1 + 4k frames to 1 + k latent frames', async () => {
    const s = await session(files.vae_encoder!);
    const out = await s.run({ frames: formula([1, 3, 5, 72, 128], 2, true) });
    expectClose(out.latents!, reference.vae_encoder!);
  });
});
