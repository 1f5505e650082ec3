/**
 * Maps a LoRA file's tensors onto the denoiser's adapted layers (the manifest's `graphs.denoiser.lora`)
 * and builds the factor inputs of one job: per layer `down` [in, R] and `up` [R, out], every layer and
 * both files zero-padded to one rank R so a job compiles a single session.
 */
import { LoraError } from '../../shared/errors';
import type { LoraWeights } from '../../shared/protocol';
import { PARAM_LIMITS } from '../../shared/video-rules';
import type { LoraManifest } from '../model-package/manifest';
import { parseSafetensors, type FloatTensor } from './safetensors';

/** One layer's factors in graph layout, alpha/rank folded into `up`. */
export interface LayerFactors {
  rank: number;
  /** `[in, rank]`. */
  down: Float32Array;
  /** `[rank, out]`. */
  up: Float32Array;
}

/** The factors a file has, by layer name; layers it leaves out get zeros. */
export type Adapter = Map<string, LayerFactors>;

/** A factor input: its graph input name, data and dims. */
export interface FactorFeed {
  name: string;
  data: Float32Array;
  dims: number[];
}

/** Key suffixes we accept: kohya's `lora_down`/`lora_up` and PEFT's `lora_A`/`lora_B`, both stored as PyTorch Linear weights. */
const SUFFIXES = {
  '.lora_down.weight': 'down',
  '.lora_A.weight': 'down',
  '.lora_up.weight': 'up',
  '.lora_B.weight': 'up',
  '.alpha': 'alpha',
} as const;
/** Wrappers trainers put in front of the layer name (ComfyUI/Wan, diffusers, PEFT). */
const PREFIXES = ['diffusion_model.', 'transformer.', 'base_model.model.'];

type Part = (typeof SUFFIXES)[keyof typeof SUFFIXES];

/** Reads one LoRA file against the manifest's layers; `label` names it in errors. */
export function readAdapter(spec: LoraManifest, bytes: Uint8Array, label: string): Adapter {
  const tensors = parseSafetensors(bytes, label);
  const layers = new Map(spec.layers.map((l) => [l.name, l]));
  const found = new Map<string, Partial<Record<Part, FloatTensor>>>();
  const unknown: string[] = [];
  for (const [key, tensor] of tensors) {
    const stripped = PREFIXES.reduce((k, p) => (k.startsWith(p) ? k.slice(p.length) : k), key);
    const suffix = (Object.keys(SUFFIXES) as (keyof typeof SUFFIXES)[]).find((s) => stripped.endsWith(s));
    const layer = suffix && stripped.slice(0, -suffix.length);
    if (!suffix || !layer || !layers.has(layer)) {
      unknown.push(key);
      continue;
    }
    const parts = found.get(layer) ?? {};
    parts[SUFFIXES[suffix]] = tensor;
    found.set(layer, parts);
  }
  if (unknown.length > 0) {
    const names = spec.layers.map((l) => l.name);
    throw new LoraError(
      `${label} does not fit this model: unknown tensor${unknown.length > 1 ? 's' : ''} ${list(unknown)}. ` +
        `This model adapts ${names.length} layers (${list(names)}), each as <layer>.lora_down.weight [rank, in] and ` +
        `<layer>.lora_up.weight [out, rank] (or lora_A/lora_B), with an optional <layer>.alpha.`,
    );
  }
  const adapter: Adapter = new Map();
  for (const [name, parts] of found) adapter.set(name, factorsOf(layers.get(name)!, parts, label));
  return adapter;
}

function factorsOf(
  layer: LoraManifest['layers'][number],
  parts: Partial<Record<Part, FloatTensor>>,
  label: string,
): LayerFactors {
  const { down, up, alpha } = parts;
  const where = `${label} layer ${layer.name}`;
  if (!down || !up)
    throw new LoraError(`${where} has only its ${down ? 'down' : 'up'} factor; a LoRA layer needs both.`);
  const rank = down.dims[0] ?? 0;
  const { in_features: inF, out_features: outF } = layer;
  if (down.dims.length !== 2 || down.dims[1] !== inF || rank < 1)
    throw new LoraError(`${where}: the down factor is ${shape(down)}, expected [rank, ${inF}].`);
  if (up.dims.length !== 2 || up.dims[0] !== outF || up.dims[1] !== rank)
    throw new LoraError(
      `${where}: the up factor is ${shape(up)}, expected [${outF}, ${rank}] to match the down factor.`,
    );
  if (alpha && alpha.data.length !== 1) throw new LoraError(`${where}: alpha is ${shape(alpha)}, expected a scalar.`);
  // Kohya and PEFT scale the update by alpha/rank; without alpha the scale is 1.
  const scale = alpha ? alpha.data[0]! / rank : 1;
  // PyTorch Linear weights are [out, in]; the graph multiplies x [.., in] by down [in, r] then up [r, out].
  const downT = new Float32Array(inF * rank);
  for (let r = 0; r < rank; r++) for (let i = 0; i < inF; i++) downT[i * rank + r] = down.data[r * inF + i]!;
  const upT = new Float32Array(rank * outF);
  for (let o = 0; o < outF; o++) for (let r = 0; r < rank; r++) upT[r * outF + o] = up.data[o * rank + r]! * scale;
  return { rank, down: downT, up: upT };
}

/**
 * The factor inputs for every adapted layer at `rank` (≥ each layer's own), `up` times `scale`.
 * No adapter, or a layer it leaves out, gives zeros, whose update is exactly 0.
 */
export function factorFeeds(
  spec: LoraManifest,
  adapter: Adapter | undefined,
  scale: number,
  rank: number,
): FactorFeed[] {
  return spec.layers.flatMap((layer) => {
    const { in_features: inF, out_features: outF } = layer;
    const down = new Float32Array(inF * rank);
    const up = new Float32Array(rank * outF);
    const f = adapter?.get(layer.name);
    if (f) {
      for (let i = 0; i < inF; i++) down.set(f.down.subarray(i * f.rank, (i + 1) * f.rank), i * rank);
      for (let j = 0; j < f.rank * outF; j++) up[j] = f.up[j]! * scale;
    }
    return [
      { name: layer.down_input, data: down, dims: [inF, rank] },
      { name: layer.up_input, data: up, dims: [rank, outF] },
    ];
  });
}

/** A job's factor inputs: the high-noise set for σ ≥ `boundarySigma`, the low-noise set below. */
export interface LoraSchedule {
  boundarySigma: number;
  high: FactorFeed[];
  low: FactorFeed[];
}

/**
 * Reads both files of `lora` for this model (no LoRA: rank-1 zeros for every step). Throws a
 * `LoraError` when the model takes no LoRA, the scale is out of range, or a file does not fit.
 */
export function loraSchedule(
  spec: LoraManifest | undefined,
  modelId: string,
  lora?: LoraWeights,
): LoraSchedule | undefined {
  if (!spec) {
    if (lora) throw new LoraError(`${modelId} takes no LoRA adapters; choose another model or remove the LoRA.`);
    return undefined;
  }
  if (!lora) {
    const zeros = factorFeeds(spec, undefined, 0, 1);
    return { boundarySigma: spec.boundary_sigma, high: zeros, low: zeros };
  }
  const { minLoraScale: min, maxLoraScale: max } = PARAM_LIMITS;
  if (!(lora.scale >= min && lora.scale <= max))
    throw new LoraError(`LoRA scale must be from ${min} to ${max}; got ${lora.scale}.`);
  const high = readAdapter(spec, lora.high_noise, 'LoRA high_noise');
  const low = readAdapter(spec, lora.low_noise, 'LoRA low_noise');
  const rank = Math.max(1, ...[...high.values(), ...low.values()].map((f) => f.rank));
  return {
    boundarySigma: spec.boundary_sigma,
    high: factorFeeds(spec, high, lora.scale, rank),
    low: factorFeeds(spec, low, lora.scale, rank),
  };
}

const shape = (t: FloatTensor) => JSON.stringify(t.dims);
const list = (names: string[]) =>
  names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length} in all)` : names.join(', ');
