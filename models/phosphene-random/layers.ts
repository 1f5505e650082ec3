/**
 * Neural-network layers expressed as ONNX nodes. Weight names follow PyTorch state-dict style
 * (`blocks.0.attn.to_q.weight`) so a trained export can be compared tensor by tensor. Linear weights
 * are stored as [in, out] (the MatMul layout a PyTorch export produces after folding the transpose).
 */
import type { GraphBuilder } from './onnx-graph';
import type { WeightRng } from './rng';

/** A builder plus the random source for its weights. */
export interface Net {
  g: GraphBuilder;
  rng: WeightRng;
  /** When set, attention projections take run-time LoRA factors and are recorded here (the denoiser's). */
  lora?: LoraLayer[];
}

/** The symbolic rank of every LoRA factor input; the pipeline pads all layers to one rank. */
export const LORA_RANK_DIM = 'lora_rank';

/** One adapted linear layer and the names of its two factor inputs (as written to the manifest). */
export interface LoraLayer {
  name: string;
  in_features: number;
  out_features: number;
  down_input: string;
  up_input: string;
}

/**
 * A linear layer that also adds a low-rank update (x·down)·up from two graph inputs,
 * `lora_down.<name>` [in, r] and `lora_up.<name>` [r, out]; the pipeline folds scale and alpha into
 * `up`. Low-rank rather than a full ΔW input: a real model's deltas would be [in, out] per layer per
 * step, the factors a few columns. With no LoRA the pipeline feeds rank-1 zeros, whose term adds
 * exactly 0, so outputs stay bit-identical to the plain graph.
 */
export function adaptedLinear(net: Net, name: string, x: string, inDim: number, outDim: number): string {
  const base = linear(net, name, x, inDim, outDim);
  if (!net.lora) return base;
  const { g } = net;
  const layer: LoraLayer = {
    name,
    in_features: inDim,
    out_features: outDim,
    down_input: g.input(`lora_down.${name}`, 'float32', [inDim, LORA_RANK_DIM]),
    up_input: g.input(`lora_up.${name}`, 'float32', [LORA_RANK_DIM, outDim]),
  };
  net.lora.push(layer);
  return g.op('Add', [base, g.op('MatMul', [g.op('MatMul', [x, layer.down_input]), layer.up_input])]);
}

/** y = x·W + b over the last axis, W ~ std gain/sqrt(in). */
export function linear(net: Net, name: string, x: string, inDim: number, outDim: number, gain = 1): string {
  const w = net.g.weight(`${name}.weight`, net.rng.uniform(inDim * outDim, gain / Math.sqrt(inDim)), [inDim, outDim]);
  const b = net.g.weight(`${name}.bias`, net.rng.uniform(outDim, 0.02), [outDim]);
  return net.g.op('Add', [net.g.op('MatMul', [x, w]), b]);
}

/** LayerNormalization over the last axis; `affine: false` uses constant ones/zeros (DiT's adaLN style). */
export function layerNorm(net: Net, name: string, x: string, dim: number, affine = true): string {
  const scale = affine
    ? net.g.weight(
        `${name}.weight`,
        Float32Array.from(net.rng.uniform(dim, 0.1), (v) => 1 + v),
        [dim],
      )
    : net.g.constF(new Array<number>(dim).fill(1));
  const bias = affine
    ? net.g.weight(`${name}.bias`, net.rng.uniform(dim, 0.02), [dim])
    : net.g.constF(new Array<number>(dim).fill(0));
  return net.g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: 1e-6 } });
}

/** Exact GELU through Erf: 0.5·x·(1 + erf(x/√2)), what `torch.onnx.export` writes at opset 17. */
export function gelu(net: Net, x: string): string {
  const { g } = net;
  const erf = g.op('Erf', [g.op('Mul', [x, g.constF([Math.SQRT1_2], [])])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.constF([1], [])])]), g.constF([0.5], [])]);
}

/** SiLU: x·sigmoid(x). */
export function silu(net: Net, x: string): string {
  return net.g.op('Mul', [x, net.g.op('Sigmoid', [x])]);
}

/** x·(1 + scale) + shift, with shift/scale broadcasting over tokens. */
export function modulate(net: Net, x: string, shift: string, scale: string): string {
  const { g } = net;
  return g.op('Add', [g.op('Mul', [x, g.op('Add', [scale, g.constF([1], [])])]), shift]);
}

/**
 * Multi-head attention where the token axis of `q` and `kv` is the second-to-last of a rank-r
 * tensor [..., L, dim]. Heads are split with Reshape(0…, heads, head_dim) and the token axis moved
 * next to the head dim by `toHeads` (a Transpose perm on the rank-(r+1) tensor); `fromHeads` undoes it.
 */
export interface AttentionLayout {
  /** Perm taking [..., L, heads, head_dim] (rank r+1) to [..., heads, L, head_dim]. */
  toHeads: number[];
  /** Perm taking keys to [..., heads, head_dim, L]. */
  toHeadsT: number[];
  /** Perm taking [..., heads, L, head_dim] back to [..., L, heads, head_dim]. */
  fromHeads: number[];
}

/** Layout for tokens on the second-to-last axis of a rank-`rank` tensor (no other axis moves). */
export function lastAxisLayout(rank: number): AttentionLayout {
  const lead = Array.from({ length: rank - 2 }, (_, i) => i);
  const L = rank - 2;
  const H = rank - 1;
  const D = rank;
  return { toHeads: [...lead, H, L, D], toHeadsT: [...lead, H, D, L], fromHeads: [...lead, H, L, D] };
}

/** Splits the last axis into heads: [..., dim] → [..., heads, head_dim] (Reshape with zeros). */
function splitHeads(net: Net, x: string, rank: number, heads: number, headDim: number): string {
  const shape = [...new Array<number>(rank - 1).fill(0), heads, headDim];
  return net.g.op('Reshape', [x, net.g.constI(shape)]);
}

export interface AttentionOptions {
  name: string;
  /** Query tokens, rank `rank`, last axis `dim`. */
  x: string;
  /** Key/value source; `x` for self-attention. */
  context: string;
  contextDim: number;
  dim: number;
  heads: number;
  rank: number;
  /** Layout for queries; keys/values use `contextLayout` (defaults to the same). */
  layout: AttentionLayout;
  contextLayout?: AttentionLayout;
  contextRank?: number;
}

/** Scaled dot-product multi-head attention with output projection; returns [..., L, dim] like `x`. */
export function attention(net: Net, o: AttentionOptions): string {
  const { g } = net;
  const headDim = o.dim / o.heads;
  const cRank = o.contextRank ?? o.rank;
  const cLayout = o.contextLayout ?? o.layout;
  const q = g.op(
    'Transpose',
    [splitHeads(net, adaptedLinear(net, `${o.name}.to_q`, o.x, o.dim, o.dim), o.rank, o.heads, headDim)],
    { perm: o.layout.toHeads },
  );
  const k = g.op(
    'Transpose',
    [splitHeads(net, adaptedLinear(net, `${o.name}.to_k`, o.context, o.contextDim, o.dim), cRank, o.heads, headDim)],
    { perm: cLayout.toHeadsT },
  );
  const v = g.op(
    'Transpose',
    [splitHeads(net, adaptedLinear(net, `${o.name}.to_v`, o.context, o.contextDim, o.dim), cRank, o.heads, headDim)],
    { perm: cLayout.toHeads },
  );
  const scores = g.op('Mul', [g.op('MatMul', [q, k]), g.constF([1 / Math.sqrt(headDim)], [])]);
  const probs = g.op('Softmax', [scores], { axis: -1 });
  const out = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: o.layout.fromHeads });
  const merged = g.op('Reshape', [out, g.constI([...new Array<number>(o.rank - 1).fill(0), o.dim])]);
  return adaptedLinear(net, `${o.name}.to_out`, merged, o.dim, o.dim);
}

/** Feed-forward: Linear(dim → mult·dim), GELU, Linear(→ dim). */
export function feedForward(net: Net, name: string, x: string, dim: number, mult = 4): string {
  const h = gelu(net, linear(net, `${name}.fc1`, x, dim, dim * mult));
  return linear(net, `${name}.fc2`, h, dim * mult, dim);
}

/** Sinusoid features of a float tensor `pos` [..., 1] → [..., 2·len(freqs)]: [cos(p·f), sin(p·f)]. */
export function sinusoid(net: Net, pos: string, freqs: number[]): string {
  const { g } = net;
  const angles = g.op('Mul', [pos, g.constF(freqs, [1, freqs.length])]);
  return g.op('Concat', [g.op('Cos', [angles]), g.op('Sin', [angles])], { axis: -1 });
}

/** Geometric frequencies 1/base^(i/n), i < n, as in diffusers' `Timesteps`. */
export function geometricFreqs(n: number, base = 10000): number[] {
  return Array.from({ length: n }, (_, i) => Math.exp((-Math.log(base) * i) / n));
}
