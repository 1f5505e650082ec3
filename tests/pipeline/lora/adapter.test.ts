import { describe, expect, it } from 'vitest';
import { encodeSafetensors, type NamedTensor } from '../../../models/phosphene-random/make-example-lora';
import { factorFeeds, loraSchedule, readAdapter } from '../../../src/pipeline/lora/adapter';
import type { LoraManifest } from '../../../src/pipeline/model-package/manifest';
import { LoraError } from '../../../src/shared/errors';

// Two layers: q maps 3 → 2, k maps 3 → 4.
const spec: LoraManifest = {
  rank_dim: 'lora_rank',
  boundary_sigma: 0.5,
  layers: [
    { name: 'blocks.0.attn.to_q', in_features: 3, out_features: 2, down_input: 'd.q', up_input: 'u.q' },
    { name: 'blocks.0.attn.to_k', in_features: 3, out_features: 4, down_input: 'd.k', up_input: 'u.k' },
  ],
};
const t = (name: string, dims: number[], values: number[]): NamedTensor => ({
  name,
  dims,
  data: Float32Array.from(values),
});
// PyTorch layout: down [r=2, in=3], up [out=2, r=2].
const DOWN = [1, 2, 3, 4, 5, 6];
const UP = [10, 20, 30, 40];
const file = (...tensors: NamedTensor[]) => encodeSafetensors(tensors);

describe('readAdapter', () => {
  it.each([
    ['kohya lora_down/lora_up', 'lora_down', 'lora_up'],
    ['PEFT lora_A/lora_B', 'lora_A', 'lora_B'],
  ])('maps %s and transposes to [in, r] and [r, out]', (_, down, up) => {
    const adapter = readAdapter(
      spec,
      file(t(`blocks.0.attn.to_q.${down}.weight`, [2, 3], DOWN), t(`blocks.0.attn.to_q.${up}.weight`, [2, 2], UP)),
      'f',
    );
    expect([...adapter.keys()]).toEqual(['blocks.0.attn.to_q']);
    const q = adapter.get('blocks.0.attn.to_q')!;
    expect(q.rank).toBe(2);
    expect(Array.from(q.down)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(q.up)).toEqual([10, 30, 20, 40]);
  });

  it('scales by alpha/rank and strips a diffusion_model. prefix', () => {
    const adapter = readAdapter(
      spec,
      file(
        t('diffusion_model.blocks.0.attn.to_q.lora_down.weight', [2, 3], DOWN),
        t('diffusion_model.blocks.0.attn.to_q.lora_up.weight', [2, 2], UP),
        t('diffusion_model.blocks.0.attn.to_q.alpha', [], [1]),
      ),
      'f',
    );
    expect(Array.from(adapter.get('blocks.0.attn.to_q')!.up)).toEqual([5, 15, 10, 20]);
  });

  it('refuses unknown keys, listing them and the expected layer names', () => {
    const bytes = file(
      t('blocks.0.mlp.fc1.lora_down.weight', [2, 3], DOWN),
      t('blocks.0.mlp.fc1.lora_up.weight', [2, 2], UP),
    );
    expect(() => readAdapter(spec, bytes, 'LoRA high_noise')).toThrow(LoraError);
    expect(() => readAdapter(spec, bytes, 'LoRA high_noise')).toThrow(
      /^LoRA high_noise does not fit this model: unknown tensors blocks\.0\.mlp\.fc1\.lora_down\.weight, blocks\.0\.mlp\.fc1\.lora_up\.weight\. This model adapts 2 layers \(blocks\.0\.attn\.to_q, blocks\.0\.attn\.to_k\)/,
    );
  });

  it.each([
    [[t('blocks.0.attn.to_q.lora_down.weight', [2, 3], DOWN)], /has only its down factor/],
    [
      [
        t('blocks.0.attn.to_q.lora_down.weight', [3, 2], DOWN),
        t('blocks.0.attn.to_q.lora_up.weight', [2, 3], UP.concat(0, 0)),
      ],
      /down factor is \[3,2\], expected \[rank, 3\]/,
    ],
    [
      [t('blocks.0.attn.to_q.lora_down.weight', [2, 3], DOWN), t('blocks.0.attn.to_q.lora_up.weight', [4, 1], UP)],
      /up factor is \[4,1\], expected \[2, 2\]/,
    ],
    [
      [
        t('blocks.0.attn.to_q.lora_down.weight', [2, 3], DOWN),
        t('blocks.0.attn.to_q.lora_up.weight', [2, 2], UP),
        t('blocks.0.attn.to_q.alpha', [2], [1, 1]),
      ],
      /alpha is \[2\], expected a scalar/,
    ],
  ])('refuses a malformed layer (%#)', (tensors, message) => {
    expect(() => readAdapter(spec, file(...tensors), 'f')).toThrow(message);
  });
});

describe('factorFeeds', () => {
  it('zero-pads to the common rank, multiplies up by the scale, and gives missing layers zeros', () => {
    const adapter = readAdapter(
      spec,
      file(t('blocks.0.attn.to_q.lora_down.weight', [2, 3], DOWN), t('blocks.0.attn.to_q.lora_up.weight', [2, 2], UP)),
      'f',
    );
    const [dq, uq, dk, uk] = factorFeeds(spec, adapter, 0.5, 3);
    expect(dq).toEqual({ name: 'd.q', dims: [3, 3], data: Float32Array.of(1, 4, 0, 2, 5, 0, 3, 6, 0) });
    expect(uq).toEqual({ name: 'u.q', dims: [3, 2], data: Float32Array.of(5, 15, 10, 20, 0, 0) });
    expect(dk).toEqual({ name: 'd.k', dims: [3, 3], data: new Float32Array(9) });
    expect(uk).toEqual({ name: 'u.k', dims: [3, 4], data: new Float32Array(12) });
  });
});

describe('loraSchedule', () => {
  it('without a LoRA gives rank-1 zeros for both noise levels', () => {
    const s = loraSchedule(spec, 'm')!;
    expect(s.boundarySigma).toBe(0.5);
    expect(s.high.map((f) => f.dims)).toEqual([
      [3, 1],
      [1, 2],
      [3, 1],
      [1, 4],
    ]);
    expect(s.high.every((f) => f.data.every((v) => v === 0))).toBe(true);
  });

  it('refuses a LoRA for a model without adapted layers, and a scale outside 0–2', () => {
    const lora = { high_noise: file(), low_noise: file(), scale: 1 };
    expect(() => loraSchedule(undefined, 'owner/m/t2v', lora)).toThrow(/^owner\/m\/t2v takes no LoRA adapters/);
    expect(() => loraSchedule(spec, 'm', { ...lora, scale: 2.5 })).toThrow(/scale must be from 0 to 2; got 2.5/);
  });
});
