/**
 * The denoiser: a small video DiT with factorised attention, predicting the flow-matching velocity
 * v = noise − x0. Tokens live as [batch, frames, patches, width]; each block runs spatial
 * self-attention (the patches of one frame), temporal self-attention (one patch across frames,
 * bidirectional: the denoiser sees the whole clip, only the VAE is causal), cross-attention to the
 * text, and an MLP, with adaLN-zero-style shift/scale/gate from the timestep embedding.
 */
import {
  attention,
  feedForward,
  geometricFreqs,
  lastAxisLayout,
  layerNorm,
  linear,
  modulate,
  LORA_RANK_DIM,
  type LoraLayer,
  silu,
  sinusoid,
  type Net,
} from './layers';
import { GraphBuilder } from './onnx-graph';
import { WeightRng } from './rng';

/** Hyper-parameters of the denoiser. */
export interface DenoiserConfig {
  latentChannels: number;
  width: number;
  heads: number;
  blocks: number;
  textHidden: number;
  /** Channels of the positional embedding given to (frames, rows, columns); they sum to `width`. */
  posSplit: [number, number, number];
}

const PATCH = 2;
/** Token-axis layouts for the rank-4 [B, T, N, D] token tensor. */
const SPATIAL = lastAxisLayout(4);
const TEMPORAL = { toHeads: [0, 2, 3, 1, 4], toHeadsT: [0, 2, 3, 4, 1], fromHeads: [0, 3, 1, 2, 4] };
const SEQUENCE = lastAxisLayout(3);

/**
 * Factorised sinusoidal positions for a grid of T×Hp×Wp patches, computed in-graph from Range so any
 * grid size works: frame, row and column each own a slice of the channels. Returns [T, Hp·Wp, D].
 */
function gridPositions(net: Net, cfg: DenoiserConfig, t: string, hp: string, wp: string): string {
  const { g } = net;
  const D = cfg.width;
  const axes = [t, hp, wp];
  const parts: string[] = [];
  let offset = 0;
  axes.forEach((len, axis) => {
    const n = cfg.posSplit[axis]!;
    const range = g.op('Cast', [g.op('Range', [g.constI([0], true), len, g.constI([1], true)])], { to: 1 });
    const pos = g.op('Unsqueeze', [range, g.constI([1])]);
    // Spread into this axis' channel slice: frequencies are zero and the mask drops cos(0) elsewhere.
    const half = n / 2;
    const freqs = new Array<number>(D / 2).fill(0);
    const mask = new Array<number>(D).fill(0);
    geometricFreqs(half, 100).forEach((f, i) => (freqs[offset / 2 + i] = f));
    for (let i = 0; i < half; i++) mask[offset / 2 + i] = mask[D / 2 + offset / 2 + i] = 1;
    parts.push(g.op('Mul', [sinusoid(net, pos, freqs), g.constF(mask, [1, D])]));
    offset += n;
  });
  const [pt, py, px] = parts as [string, string, string];
  // [T,1,1,D] + [1,Hp,1,D] + [1,1,Wp,D] → [T,Hp,Wp,D] → [T, N, D]
  const grid = g.op('Add', [
    g.op('Add', [g.op('Unsqueeze', [pt, g.constI([1, 2])]), g.op('Unsqueeze', [py, g.constI([0, 2])])]),
    g.op('Unsqueeze', [px, g.constI([0, 1])]),
  ]);
  return g.op('Reshape', [grid, g.constI([0, -1, D])]);
}

/** The built denoiser: ONNX bytes, parameter count and the LoRA contract for the manifest. */
export interface BuiltDenoiser {
  bytes: Uint8Array;
  parameters: number;
  lora: { rank_dim: string; layers: LoraLayer[] };
}

/**
 * Builds `denoiser.onnx`: (latents, timestep, encoder_hidden_states, LoRA factors) → velocity. Every
 * attention projection (q, k, v, out of the spatial, temporal and cross attention) is LoRA-adapted.
 */
export function buildDenoiser(cfg: DenoiserConfig, seed: number): BuiltDenoiser {
  const g = new GraphBuilder('phosphene_denoiser');
  const net: Net = { g, rng: new WeightRng(seed), lora: [] };
  const C = cfg.latentChannels;
  const D = cfg.width;
  const latents = g.input('latents', 'float32', ['batch', C, 'latent_frames', 'latent_height', 'latent_width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const text = g.input('encoder_hidden_states', 'float32', ['batch', 'seq', cfg.textHidden]);

  // 1. Patchify: frames folded into the batch, Conv 2×2 stride 2 → [B·T, D, Hp, Wp].
  const shape = g.op('Shape', [latents]);
  const bt = g.op('Gather', [shape, g.constI([0, 2])]);
  const folded = g.op('Reshape', [
    g.op('Transpose', [latents], { perm: [0, 2, 1, 3, 4] }),
    g.op('Concat', [g.constI([-1, C]), g.op('Shape', [latents], { start: 3 })], { axis: 0 }),
  ]);
  const patchW = g.weight(
    'patch_embed.weight',
    net.rng.uniform(D * C * PATCH * PATCH, 1 / Math.sqrt(C * PATCH * PATCH)),
    [D, C, PATCH, PATCH],
  );
  const patchB = g.weight('patch_embed.bias', net.rng.uniform(D, 0.02), [D]);
  const patches = g.op('Conv', [folded, patchW, patchB], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const hpwp = g.op('Shape', [patches], { start: 2 });
  const tokenShape = g.op('Concat', [bt, g.constI([-1, D])], { axis: 0 });
  // [B·T, D, N] → [B·T, N, D] → [B, T, N, D]
  let x = g.op('Reshape', [
    g.op('Transpose', [g.op('Reshape', [patches, g.constI([0, 0, -1])])], { perm: [0, 2, 1] }),
    tokenShape,
  ]);

  // 2. Positions over the (T, Hp, Wp) grid.
  const scalarAt = (v: string, i: number) => g.op('Gather', [v, g.constI([i], true)]);
  x = g.op('Add', [x, gridPositions(net, cfg, scalarAt(bt, 1), scalarAt(hpwp, 0), scalarAt(hpwp, 1))]);

  // 3. Timestep embedding → conditioning vector c [B, D], shaped [B, 1, 1, D] for broadcasting.
  const tFeat = sinusoid(net, g.op('Unsqueeze', [timestep, g.constI([1])]), geometricFreqs(D / 2));
  const c = linear(net, 't_embedder.mlp.2', silu(net, linear(net, 't_embedder.mlp.0', tFeat, D, D)), D, D);
  const cAct = g.op('Unsqueeze', [silu(net, c), g.constI([1, 2])]);

  // 4. Blocks.
  for (let i = 0; i < cfg.blocks; i++) {
    const p = `blocks.${i}`;
    const mod = g.opN(
      'Split',
      [linear(net, `${p}.adaLN_modulation`, cAct, D, 9 * D), g.constI(new Array<number>(9).fill(D))],
      9,
      { axis: -1 },
    );
    const [shS, scS, gaS, shT, scT, gaT, shM, scM, gaM] = mod as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    const hs = modulate(net, layerNorm(net, `${p}.norm1`, x, D, false), shS, scS);
    const spatial = attention(net, {
      name: `${p}.attn_spatial`,
      x: hs,
      context: hs,
      contextDim: D,
      dim: D,
      heads: cfg.heads,
      rank: 4,
      layout: SPATIAL,
    });
    x = g.op('Add', [x, g.op('Mul', [gaS, spatial])]);

    const ht = modulate(net, layerNorm(net, `${p}.norm2`, x, D, false), shT, scT);
    const temporal = attention(net, {
      name: `${p}.attn_temporal`,
      x: ht,
      context: ht,
      contextDim: D,
      dim: D,
      heads: cfg.heads,
      rank: 4,
      layout: TEMPORAL,
    });
    x = g.op('Add', [x, g.op('Mul', [gaT, temporal])]);

    // Cross-attention over all tokens of the clip: [B, T·N, D] queries against [B, seq, hidden].
    const hc = g.op('Reshape', [layerNorm(net, `${p}.norm3`, x, D), g.constI([0, -1, D])]);
    const cross = attention(net, {
      name: `${p}.attn_cross`,
      x: hc,
      context: text,
      contextDim: cfg.textHidden,
      dim: D,
      heads: cfg.heads,
      rank: 3,
      layout: SEQUENCE,
    });
    x = g.op('Add', [x, g.op('Reshape', [cross, tokenShape])]);

    const hm = modulate(net, layerNorm(net, `${p}.norm4`, x, D, false), shM, scM);
    x = g.op('Add', [x, g.op('Mul', [gaM, feedForward(net, `${p}.mlp`, hm, D)])]);
  }

  // 5. Final layer and unpatchify: [B,T,N,C·2·2] → [B,T,Hp,Wp,C,2,2] → [B,C,T,Hp,2,Wp,2] → [B,C,T,H,W].
  const [shF, scF] = g.opN(
    'Split',
    [linear(net, 'final_layer.adaLN_modulation', cAct, D, 2 * D), g.constI([D, D])],
    2,
    { axis: -1 },
  ) as [string, string];
  const out = linear(
    net,
    'final_layer.linear',
    modulate(net, layerNorm(net, 'final_layer.norm', x, D, false), shF, scF),
    D,
    C * PATCH * PATCH,
  );
  const grid = g.op('Reshape', [out, g.op('Concat', [bt, hpwp, g.constI([C, PATCH, PATCH])], { axis: 0 })]);
  const velocity = g.op('Reshape', [g.op('Transpose', [grid], { perm: [0, 4, 1, 2, 5, 3, 6] }), shape]);
  g.output(velocity, 'velocity', 'float32', ['batch', C, 'latent_frames', 'latent_height', 'latent_width']);
  return {
    bytes: g.toBytes('Phosphene video DiT denoiser (random weights): predicts v = noise - x0.'),
    parameters: g.parameterCount,
    lora: { rank_dim: LORA_RANK_DIM, layers: net.lora! },
  };
}
