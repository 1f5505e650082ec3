/**
 * A causal (2+1)D video VAE: spatial 3×3 convs on frames folded into the batch, temporal convs as
 * Conv2d with kernel (3,1) over a [B, C, T, H·W] view padded at the front only (frame t never sees
 * t+1). No Conv3D and no ConvTranspose: they are slow or missing on the WebGPU EP. Temporal
 * compression is 4 with the causal rule: 1 + 4k frames ↔ 1 + k latent frames.
 */
import type { Net } from './layers';
import { silu } from './layers';
import { GraphBuilder } from './onnx-graph';
import { WeightRng } from './rng';

/** Hyper-parameters of the VAE. */
export interface VaeConfig {
  latentChannels: number;
  /** Decoder widths: latent stage, then after each of the 3 spatial upsamples (encoder mirrors it). */
  channels: [number, number, number, number];
}

/**
 * He-style init keeps activation scale through SiLU stacks without any normalisation layer; each
 * filter is centred (zero-sum) so SiLU's positive mean does not pile up into per-channel offsets
 * that would saturate the final Tanh.
 */
function convWeights(net: Net, name: string, cout: number, cin: number, kh: number, kw: number, gain = 1.6) {
  const fan = cin * kh * kw;
  const data = net.rng.uniform(cout * fan, gain / Math.sqrt(fan));
  for (let o = 0; o < cout; o++) {
    const filter = data.subarray(o * fan, (o + 1) * fan);
    const mean = filter.reduce((a, b) => a + b, 0) / fan;
    for (let i = 0; i < fan; i++) filter[i]! -= mean;
  }
  const w = net.g.weight(`${name}.weight`, data, [cout, cin, kh, kw]);
  const b = net.g.weight(`${name}.bias`, net.rng.uniform(cout, 0.02), [cout]);
  return [w, b];
}

/** Video tensors move between two views of [B, C, T, H, W]: folded [B·T, C, H, W] and temporal [B, C, T, H·W]. */
class Video {
  constructor(
    private readonly net: Net,
    /** Current tensor in canonical [B, C, T, H, W] layout. */
    public x: string,
    public channels: number,
  ) {}

  /** Runs `f` on frames folded into the batch ([B·T, C, H, W]) and unfolds the result. */
  spatial(f: (folded: string) => string, outChannels: number): void {
    const { g } = this.net;
    const bt = g.op('Gather', [g.op('Shape', [this.x]), g.constI([0, 2])]);
    const frames = g.op('Transpose', [this.x], { perm: [0, 2, 1, 3, 4] });
    const folded = g.op('Reshape', [
      frames,
      g.op('Concat', [g.constI([-1, this.channels]), g.op('Shape', [this.x], { start: 3 })], { axis: 0 }),
    ]);
    const y = f(folded);
    const unfolded = g.op('Reshape', [
      y,
      g.op('Concat', [bt, g.constI([outChannels]), g.op('Shape', [y], { start: 2 })], { axis: 0 }),
    ]);
    this.x = g.op('Transpose', [unfolded], { perm: [0, 2, 1, 3, 4] });
    this.channels = outChannels;
  }

  /** Runs `f` on the [B, C, T, H·W] view and restores H, W (which `f` must keep). */
  temporal(f: (view: string) => string, outChannels: number): void {
    const { g } = this.net;
    const hw = g.op('Shape', [this.x], { start: 3 });
    const y = f(g.op('Reshape', [this.x, g.constI([0, 0, 0, -1])]));
    this.x = g.op('Reshape', [y, g.op('Concat', [g.constI([0, 0, -1]), hw], { axis: 0 })]);
    this.channels = outChannels;
  }
}

function conv2d(net: Net, name: string, x: string, cin: number, cout: number, stride = 1, gain?: number): string {
  const [w, b] = convWeights(net, name, cout, cin, 3, 3, gain);
  return net.g.op('Conv', [x, w!, b!], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] });
}

/** Causal temporal conv, kernel 3 over T, padding 2 at the front only; stride 2 halves 1+2m → 1+m. */
function causalConv(net: Net, name: string, x: string, cin: number, cout: number, stride = 1, gain?: number): string {
  const [w, b] = convWeights(net, name, cout, cin, 3, 1, gain);
  return net.g.op('Conv', [x, w!, b!], { kernel_shape: [3, 1], pads: [2, 0, 0, 0], strides: [stride, 1] });
}

/** A (2+1)D residual block: x + tconv(silu(sconv(silu(x)))). */
function resBlock(net: Net, name: string, v: Video): void {
  const { g } = net;
  const skip = v.x;
  const c = v.channels;
  v.spatial((f) => conv2d(net, `${name}.spatial`, silu(net, f), c, c), c);
  v.temporal((t) => causalConv(net, `${name}.temporal`, silu(net, t), c, c, 1, 0.5), c);
  v.x = g.op('Add', [skip, v.x]);
}

/** Causal ×2 temporal upsample: repeat every frame, then drop the first copy (T → 2T − 1). */
function temporalUpsample(net: Net, view: string): string {
  const { g } = net;
  const repeated = g.op('Resize', [view, '', g.constF([1, 1, 2, 1])], {
    mode: 'nearest',
    nearest_mode: 'floor',
    coordinate_transformation_mode: 'asymmetric',
  });
  return g.op('Slice', [repeated, g.constI([1]), g.constI([2 ** 62]), g.constI([2])]);
}

const resize2x = (net: Net, x: string) =>
  net.g.op('Resize', [x, '', net.g.constF([1, 1, 2, 2])], {
    mode: 'nearest',
    nearest_mode: 'floor',
    coordinate_transformation_mode: 'asymmetric',
  });

/** Builds `vae_decoder.onnx`: latents [B, C, T, h, w] → frames [B, 3, 1+4(T−1), 8h, 8w] in [−1, 1]. */
export function buildVaeDecoder(cfg: VaeConfig, seed: number): { bytes: Uint8Array; parameters: number } {
  const g = new GraphBuilder('phosphene_vae_decoder');
  const net: Net = { g, rng: new WeightRng(seed) };
  const [c0, c1, c2, c3] = cfg.channels;
  const latents = g.input('latents', 'float32', [
    'batch',
    cfg.latentChannels,
    'latent_frames',
    'latent_height',
    'latent_width',
  ]);
  const v = new Video(net, latents, cfg.latentChannels);

  v.spatial((f) => conv2d(net, 'conv_in', f, cfg.latentChannels, c0), c0);
  resBlock(net, 'mid', v);
  // Two stages upsample time and space; the last (full-resolution) stage upsamples space only and
  // shares its frame fold with conv_out, so no full-resolution activation is transposed but the RGB.
  [c1, c2].forEach((cout, i) => {
    const cin = v.channels;
    v.temporal((t) => temporalUpsample(net, t), cin);
    v.spatial((f) => silu(net, conv2d(net, `up.${i}.conv`, resize2x(net, f), cin, cout)), cout);
    v.temporal((t) => g.op('Add', [t, causalConv(net, `up.${i}.temporal`, t, cout, cout, 1, 0.5)]), cout);
  });
  v.spatial((f) => {
    const h = silu(net, conv2d(net, 'up.2.conv', resize2x(net, f), c2, c3));
    return g.op('Tanh', [conv2d(net, 'conv_out', h, c3, 3, 1, 0.6)]);
  }, 3);
  g.output(v.x, 'frames', 'float32', ['batch', 3, 'frames', 'height', 'width']);
  return { bytes: g.toBytes('Phosphene causal (2+1)D VAE decoder (random weights).'), parameters: g.parameterCount };
}

/** Builds `vae_encoder.onnx`: frames [B, 3, 1+4k, 8h, 8w] → latent mean [B, C, 1+k, h, w]. */
export function buildVaeEncoder(cfg: VaeConfig, seed: number): { bytes: Uint8Array; parameters: number } {
  const g = new GraphBuilder('phosphene_vae_encoder');
  const net: Net = { g, rng: new WeightRng(seed) };
  const [c0, c1, c2, c3] = cfg.channels;
  const frames = g.input('frames', 'float32', ['batch', 3, 'frames', 'height', 'width']);
  const v = new Video(net, frames, 3);

  v.spatial((f) => silu(net, conv2d(net, 'conv_in', f, 3, c3)), c3);
  // Mirror of the decoder: space-only downsample first, then two space+time stages.
  const widths = [c2, c1, c0];
  widths.forEach((cout, i) => {
    const cin = v.channels;
    v.spatial((f) => silu(net, conv2d(net, `down.${i}.conv`, f, cin, cout, 2)), cout);
    if (i > 0) v.temporal((t) => causalConv(net, `down.${i}.temporal`, t, cout, cout, 2, 1.0), cout);
  });
  resBlock(net, 'mid', v);
  v.spatial((f) => conv2d(net, 'conv_out', f, c0, cfg.latentChannels, 1, 5), cfg.latentChannels);
  g.output(v.x, 'latents', 'float32', ['batch', cfg.latentChannels, 'latent_frames', 'latent_height', 'latent_width']);
  return {
    bytes: g.toBytes('Phosphene causal (2+1)D VAE encoder (random weights): outputs the latent mean.'),
    parameters: g.parameterCount,
  };
}
