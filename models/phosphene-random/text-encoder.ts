/** The text encoder: token embedding + learned positions + pre-LN transformer encoder layers. */
import { attention, feedForward, lastAxisLayout, layerNorm, type Net } from './layers';
import { GraphBuilder } from './onnx-graph';
import { WeightRng } from './rng';

/** Hyper-parameters of the text encoder. */
export interface TextEncoderConfig {
  vocabSize: number;
  maxLength: number;
  hidden: number;
  heads: number;
  layers: number;
}

/** Builds `text_encoder.onnx`: input_ids int64 [batch, seq] → hidden_states float32 [batch, seq, hidden]. */
export function buildTextEncoder(cfg: TextEncoderConfig, seed: number): { bytes: Uint8Array; parameters: number } {
  const g = new GraphBuilder('phosphene_text_encoder');
  const net: Net = { g, rng: new WeightRng(seed) };
  const H = cfg.hidden;
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);

  const tokens = g.weight('embeddings.token.weight', net.rng.uniform(cfg.vocabSize * H, 1), [cfg.vocabSize, H]);
  const positions = g.weight('embeddings.position.weight', net.rng.uniform(cfg.maxLength * H, 0.5), [cfg.maxLength, H]);
  // Positions 0..seq−1: slice the table to the sequence length, then broadcast over the batch.
  const seqLen = g.op('Shape', [ids], { start: 1, end: 2 });
  const pos = g.op('Slice', [positions, g.constI([0]), seqLen, g.constI([0])]);
  let x = g.op('Add', [g.op('Gather', [tokens, ids], { axis: 0 }), pos]);

  const layout = lastAxisLayout(3);
  for (let i = 0; i < cfg.layers; i++) {
    const p = `layers.${i}`;
    const h = layerNorm(net, `${p}.norm1`, x, H);
    x = g.op('Add', [
      x,
      attention(net, { name: `${p}.attn`, x: h, context: h, contextDim: H, dim: H, heads: cfg.heads, rank: 3, layout }),
    ]);
    x = g.op('Add', [x, feedForward(net, `${p}.mlp`, layerNorm(net, `${p}.norm2`, x, H), H)]);
  }
  g.output(layerNorm(net, 'final_norm', x, H), 'hidden_states', 'float32', ['batch', 'seq', H]);
  return { bytes: g.toBytes('Phosphene text encoder (random weights).'), parameters: g.parameterCount };
}
