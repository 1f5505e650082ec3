"""Exports the trained weights (weights/*.pt) to the package's ONNX graphs and writes model.json.

Graphs (opset 17, TorchScript exporter, every size a named symbolic dim so the pipeline can pin it):
- text_encoder: input_ids [batch, tokens] int64 -> hidden_states [batch, tokens, 128]
- denoiser: latents [batch, 16, latent_frames, latent_height, latent_width], timestep [batch] (sigma * 1000),
  encoder_hidden_states, lora_down.<layer> [in, lora_rank], lora_up.<layer> [lora_rank, out] -> velocity
- vae_decoder_trunk: latents [1, 16, latent_frames + 2, h, w] (with one latent frame of context each side, the
  clip's ends repeated) -> features [1, 32, latent_frames, base_height, base_width], run once per latent frame
- vae_decoder: features [1, 32, latent_frames + 2, ...] (the chunk's trunk features and one neighbour's each
  side, the clip's ends repeated: `context_latent_frames`), out_rows [height], out_cols [width] (where each
  output row / column samples the base-size features, `model.source_coordinates`: the pipeline may ask for a
  band of a frame's rows) -> frames [1, 3, 4 * latent_frames, height, width]
- vae_encoder: frames [1, 3, 1 + 4k, base_height, base_width] -> latents [1, 16, 1 + k, h, w]

With `--keep-vae DIR`, the three VAE graphs and their reference outputs are copied from the package in DIR (the
shipped one, say) instead of exported from weights/vae.pt: an export after a DiT-only fine-tune then ships the very
VAE graphs that were measured (session 28 lost the VAE's fp32 state, and weights/vae.pt is its bf16 copy).

Usage: python3 export.py [--out DIR] [--check] [--raw] [--keep-vae DIR]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess

import torch
import torch.nn as nn

from common import PACKAGE, STATE, WEIGHTS
from model import (BASE_SHORT_SIDE, HEAD_HIDDEN, Decoder, LATENT_CHANNELS, SPATIAL, TEMPORAL, TextEncoder, VideoAutoencoder,
                   VideoDiT, count_params, lora_layers, source_coordinates)

OPSET = 17


def load_modules(weights=WEIGHTS, raw=False):
    vocab = len(json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab'])
    vae, text, dit = VideoAutoencoder(), TextEncoder(vocab), VideoDiT()
    ck = torch.load(os.path.join(weights, 'vae.pt'), map_location='cpu')
    vae.load_state_dict({k: v.float() for k, v in ck['modules']['vae'].items()})
    vae.trained_steps = ck.get('step', 0)
    # The EMA weights, or with `raw` the trained ones of the resumable state: after a short fine-tune the EMA
    # (0.999) has moved only part of the way (1 - 0.999^350 = 30 % in 350 steps).
    dk = torch.load(os.path.join(STATE if raw else weights, 'dit.pt'), map_location='cpu')
    prefix = '' if raw else 'ema_'
    text.load_state_dict({k: v.float() for k, v in dk['modules'][prefix + 'text'].items()})
    dit.load_state_dict({k: v.float() for k, v in dk['modules'][prefix + 'dit'].items()})
    for m in (vae, text, dit):
        m.eval().requires_grad_(False)
    return vae, text, dit, dk


class DenoiserExport(nn.Module):
    def __init__(self, dit: VideoDiT):
        super().__init__()
        self.dit = dit
        self.layers = [layer for _, layer in lora_layers(dit)]

    def forward(self, latents, timestep, encoder_hidden_states, *factors):
        for i, layer in enumerate(self.layers):
            layer.lora = (factors[2 * i], factors[2 * i + 1])
        try:
            return self.dit(latents, timestep, encoder_hidden_states)
        finally:
            for layer in self.layers:
                layer.lora = None


class TrunkExport(nn.Module):
    def __init__(self, vae: VideoAutoencoder):
        super().__init__()
        self.decoder = vae.decoder

    def forward(self, latents):
        zs = latents.transpose(1, 2)  # [1, T + 2, C, h, w]: latent frames and one of context each side
        return self.decoder.trunk_window(zs).transpose(1, 2)  # [1, W, T, bh, bw]


class DecoderExport(nn.Module):
    def __init__(self, vae: VideoAutoencoder):
        super().__init__()
        self.decoder = vae.decoder

    def forward(self, features, out_rows, out_cols):
        x = features.transpose(1, 2)  # [1, T + 2, W, bh, bw]: the chunk's trunk features and a neighbour's each side
        frames = self.decoder.render_at(self.decoder.blend_features(x), out_rows, out_cols)  # [T, 4, 3, H, W]
        frames = frames.reshape(frames.shape[0] * TEMPORAL, 3, out_rows.shape[0], out_cols.shape[0])
        return frames.transpose(0, 1).unsqueeze(0).clamp(-1.0, 1.0)


class EncoderExport(nn.Module):
    def __init__(self, vae: VideoAutoencoder):
        super().__init__()
        self.encoder = vae.encoder

    def forward(self, frames):
        video = frames[0].transpose(0, 1)  # [F, 3, H, W]
        first = video[:1].repeat(TEMPORAL, 1, 1, 1)
        groups = torch.cat([first, video[1:]], dim=0)  # [4 (1 + k), 3, H, W]
        n = groups.shape[0] // TEMPORAL
        x = groups.reshape(n, TEMPORAL * 3, groups.shape[2], groups.shape[3])
        return self.encoder(x).transpose(0, 1).unsqueeze(0)  # [1, C, 1 + k, h, w]


def export(module, args, names, outputs, dynamic, path):
    torch.onnx.export(module, args, path, input_names=names, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=OPSET, do_constant_folding=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', default=PACKAGE)
    p.add_argument('--weights', default=WEIGHTS)
    p.add_argument('--check', action='store_true', help='compare every graph with PyTorch in onnxruntime')
    p.add_argument('--raw', action='store_true', help='the DiT\'s trained weights from the resumable state, not the EMA')
    p.add_argument('--keep-vae', metavar='DIR', help='copy the VAE graphs (and their reference outputs) from this package')
    args = p.parse_args()
    vae, text, dit, dk = load_modules(args.weights, args.raw)
    out = args.out
    os.makedirs(out, exist_ok=True)
    kept = keep_vae(args.keep_vae, out) if args.keep_vae else None
    if os.path.abspath(out) != os.path.abspath(PACKAGE):
        shutil.copy(os.path.join(PACKAGE, 'tokenizer.json'), out)
    ids = torch.randint(0, 60, (2, 32))
    export(text, (ids,), ['input_ids'], ['hidden_states'],
           {'input_ids': {0: 'batch', 1: 'tokens'}, 'hidden_states': {0: 'batch', 1: 'tokens'}},
           os.path.join(out, 'text_encoder.onnx'))
    hidden = text(ids)
    layers = lora_layers(dit)
    factors, names, dyn = [], [], {}
    for name, layer in layers:
        for kind, shape in (('down', (layer.in_features, 1)), ('up', (1, layer.out_features))):
            n = f'lora_{kind}.{name}'
            factors.append(torch.zeros(*shape))
            names.append(n)
            dyn[n] = {1: 'lora_rank'} if kind == 'down' else {0: 'lora_rank'}
    lat = torch.randn(2, LATENT_CHANNELS, 3, 9, 16)
    dims = {0: 'batch', 2: 'latent_frames', 3: 'latent_height', 4: 'latent_width'}
    export(DenoiserExport(dit), (lat, torch.tensor([900.0, 900.0]), hidden, *factors),
           ['latents', 'timestep', 'encoder_hidden_states', *names], ['velocity'],
           {'latents': dims, 'velocity': dims, 'timestep': {0: 'batch'},
            'encoder_hidden_states': {0: 'batch', 1: 'tokens'}, **dyn},
           os.path.join(out, 'denoiser.onnx'))
    if kept is None:
        export_vae(vae, out)
    if args.check:
        check(out, text, dit, vae, layers)
    write_manifest(out, dk, dict(text=count_params(text), dit=count_params(dit), vae=count_params(vae)),
                   vae_steps=kept['vae_steps'] if kept else getattr(vae, 'trained_steps', 0))
    if not args.check:
        write_reference(out, text, dit, vae, kept['reference'] if kept else None)


VAE_GRAPHS = ('vae_decoder_trunk', 'vae_decoder', 'vae_encoder')


def keep_vae(src, out):
    """Copies the VAE graphs of the package in `src` into `out`; returns their reference entries and VAE step count
    (read before anything in `out` is overwritten, since `src` may be `out`)."""
    with open(os.path.join(src, 'reference.json')) as f:
        reference = {k: v for k, v in json.load(f).items() if k in VAE_GRAPHS}
    with open(os.path.join(src, 'model.json')) as f:
        vae_steps = json.load(f)['training']['vae_steps']
    if len(reference) != len(VAE_GRAPHS):
        raise SystemExit(f'--keep-vae {src}: its reference.json lacks some of {", ".join(VAE_GRAPHS)}')
    for name in VAE_GRAPHS:
        if os.path.abspath(src) != os.path.abspath(out):
            shutil.copy(os.path.join(src, f'{name}.onnx'), out)
    return dict(reference=reference, vae_steps=vae_steps)


def export_vae(vae, out):
    z = torch.randn(1, LATENT_CHANNELS, 2 + 2 * Decoder.CONTEXT, 9, 16)
    export(TrunkExport(vae), (z,), ['latents'], ['features'],
           {'latents': {2: 'latent_frames', 3: 'latent_height', 4: 'latent_width'},
            'features': {2: 'feature_frames', 3: 'base_height', 4: 'base_width'}},
           os.path.join(out, 'vae_decoder_trunk.onnx'))
    feats = TrunkExport(vae)(z)
    export(DecoderExport(vae), (feats, source_coordinates(144, 72), source_coordinates(256, 128)),
           ['features', 'out_rows', 'out_cols'], ['frames'],
           {'features': {2: 'feature_frames', 3: 'base_height', 4: 'base_width'},
            'out_rows': {0: 'height'}, 'out_cols': {0: 'width'},
            'frames': {2: 'frames', 3: 'height', 4: 'width'}},
           os.path.join(out, 'vae_decoder.onnx'))
    fr = torch.rand(1, 3, 5, 72, 128) * 2 - 1
    export(EncoderExport(vae), (fr,), ['frames'], ['latents'],
           {'frames': {2: 'frames', 3: 'base_height', 4: 'base_width'},
            'latents': {2: 'latent_frames', 3: 'latent_height', 4: 'latent_width'}},
           os.path.join(out, 'vae_encoder.onnx'))


def check(out, text, dit, vae, layers):
    """Runs each ONNX graph at shapes other than the export's and compares with PyTorch."""
    import onnxruntime as ort  # only for the check; the product uses onnxruntime-node / -web
    def run(name, feeds):
        s = ort.InferenceSession(os.path.join(out, name), providers=['CPUExecutionProvider'])
        return s.run(None, {k: v.numpy() for k, v in feeds.items()})[0]
    ids = torch.randint(0, 60, (1, 32))
    ref = text(ids)
    print('text_encoder max |d|', abs(run('text_encoder.onnx', {'input_ids': ids}) - ref.numpy()).max())
    lat = torch.randn(1, LATENT_CHANNELS, 5, 16, 9)
    feeds = {'latents': lat, 'timestep': torch.tensor([500.0]), 'encoder_hidden_states': ref}
    for name, layer in layers:
        feeds[f'lora_down.{name}'] = torch.zeros(layer.in_features, 2)
        feeds[f'lora_up.{name}'] = torch.zeros(2, layer.out_features)
    print('denoiser max |d|', abs(run('denoiser.onnx', feeds) - dit(lat, torch.tensor([500.0]), ref).numpy()).max())
    z = torch.randn(1, LATENT_CHANNELS, 5, 9, 16)
    feats = TrunkExport(vae)(z)
    print('vae_decoder_trunk max |d|', abs(run('vae_decoder_trunk.onnx', {'latents': z}) - feats.numpy()).max())
    rows, cols = source_coordinates(480, 72), source_coordinates(854, 128)
    got = run('vae_decoder.onnx', {'features': feats, 'out_rows': rows, 'out_cols': cols})
    want = DecoderExport(vae)(feats, rows, cols)
    print('vae_decoder', got.shape, 'max |d|', abs(got - want.numpy()).max())
    fr = torch.rand(1, 3, 9, 72, 128) * 2 - 1
    got = run('vae_encoder.onnx', {'frames': fr})
    print('vae_encoder', got.shape, 'max |d|', abs(got - EncoderExport(vae)(fr).numpy()).max())


def write_manifest(out, dk, params, vae_steps=0):
    extra = dk.get('extra', {})
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=PACKAGE).stdout.strip()
    lora = [dict(name=name, in_features=layer.in_features, out_features=layer.out_features,
                 down_input=f'lora_down.{name}', up_input=f'lora_up.{name}') for name, layer in lora_layers(VideoDiT())]
    f32 = dict(text_encoder='text_encoder.onnx', denoiser='denoiser.onnx', vae_decoder_trunk='vae_decoder_trunk.onnx',
               vae_decoder='vae_decoder.onnx', vae_encoder='vae_encoder.onnx')
    files = sorted({*f32.values(), 'tokenizer.json'})
    spec = lambda name, dtype='float32': dict(name=name, dtype=dtype)
    presets = [(854, 480, 161, '480p landscape'), (480, 854, 161, '480p portrait'), (1280, 720, 161, '720p landscape'),
               (720, 1280, 161, '720p portrait'), (1920, 1080, 153, '1080p landscape'),
               (1080, 1920, 153, '1080p portrait'), (256, 144, 161, '144p landscape (fast preview)')]
    # Peak RSS (MB) of one job at each preset's max_frames, for the server's and the browser's planning.
    # Measured 2026-12-06 (session 22, BENCHMARKS.md, bench/job-memory.ts, two-stage decoder, frames streamed to the
    # encoder, 64 MiB decoder bands): 256x144x161 381, 854x480x161 588, 1280x720x161 646, 1920x1080x153 796; ~10 % margin.
    peak_mb = {(854, 480): 650, (1280, 720): 710, (1920, 1080): 880, (256, 144): 420}
    manifest = {
        'format': 'phosphene-model/1',
        'id': 'phosphene/v1/text-to-video',
        'name': 'Phosphene v1',
        'description': 'The built-in Phosphene model, trained on this project\'s CPUs on the toy world of models/world: '
                       'coloured shapes moving over plain, gradient and textured backgrounds. A tubelet VAE (16x9 latent grid at every '
                       'preset, per-pixel head for sharp edges at any size) and a factorised-attention DiT.',
        'weights': 'trained',
        'training': dict(commit=commit, steps=dk.get('step', 0), samples=extra.get('samples', 0),
                         cpu_hours=round(extra.get('cpu_hours', 0.0), 2), params=params, vae_steps=vae_steps),
        'license': 'Apache-2.0',
        'modes': ['text-to-video', 'image-to-video', 'first-last-frame'],
        'tokenizer': dict(file='tokenizer.json', type='word-level', max_length=32),
        'graphs': {
            'text_encoder': dict(inputs=dict(input_ids=spec('input_ids', 'int64')),
                                 outputs=dict(hidden_states=spec('hidden_states')), hidden_size=128),
            'denoiser': dict(inputs=dict(latents=spec('latents'), timestep=spec('timestep'),
                                         encoder_hidden_states=spec('encoder_hidden_states')),
                             outputs=dict(velocity=spec('velocity')), patch_size=[1, 1, 1],
                             lora=dict(rank_dim='lora_rank', boundary_sigma=0.5, layers=lora)),
            # The decoder's first stage, once per latent frame (its neighbours as context): features the
            # second stage reads for the latent frame and for its neighbours, so they are computed once.
            'vae_decoder_trunk': dict(inputs=dict(latents=spec('latents')), outputs=dict(features=spec('features')),
                                      context_latent_frames=Decoder.CONTEXT),
            'vae_decoder': dict(inputs=dict(latents=spec('features')), outputs=dict(frames=spec('frames')),
                                size_inputs=dict(height='out_rows', width='out_cols', values='source_coordinates'),
                                chunk_latent_frames=1, context_latent_frames=Decoder.CONTEXT,
                                # Latent frame 0's first frame blends toward no neighbour: it is frame 0.
                                first_frame='first',
                                # The largest tensor of one chunk, per output pixel: the head's hidden layer
                                # (4 frames x 16 channels x 4 bytes).
                                bytes_per_output_pixel=TEMPORAL * HEAD_HIDDEN * 4),
            'vae_encoder': dict(inputs=dict(frames=spec('frames')), outputs=dict(latents=spec('latents'))),
        },
        'variants': {'fp32': dict(files=f32, requires=[])},
        'default_variant': 'fp32',
        'latent': dict(channels=LATENT_CHANNELS, spatial_compression=SPATIAL, temporal_compression=TEMPORAL,
                       scaling_factor=extra.get('scaling_factor', 1.0), base_short_side=BASE_SHORT_SIDE),
        'scheduler': {'type': 'flow-match-euler', 'shift': 1, 'timestep_spacing': 'trailing',
                      'num_train_timesteps': 1000, 'default_steps': 4,
                      'default_guidance_scale': 1,
                      # Guidance skips the pure-noise first step (at 4 steps): measured session 27, 4 steps g 3.5,
                      # 64 prompts: count 75 -> 94 %, colour 89 -> 100 %, motion 50 -> 77 % (README, Evaluation).
                      'guidance_max_sigma': 0.9},
        'resolutions': [dict(width=w, height=h, max_frames=f, label=label, peak_memory_mb=peak_mb[max(w, h), min(w, h)])
                        for w, h, f, label in presets],
        'frames': {'min': 5, 'default': 17},  # the UI's first click stays quick; the server applies Phosor's 81
        'default_fps': 16,
        'files': [dict(path=f, size=os.path.getsize(os.path.join(out, f)), sha256=sha256(os.path.join(out, f)))
                  for f in files],
    }
    with open(os.path.join(out, 'model.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print('wrote', os.path.join(out, 'model.json'))



def formula(shape, phase):
    """Deterministic test inputs that TypeScript rebuilds exactly: x[i] = sin(0.37 i + phase), row-major."""
    n = 1
    for d in shape:
        n *= d
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.37 + phase).float().reshape(shape)


def write_reference(out, text, dit, vae, vae_reference=None):
    """PyTorch's outputs on formula inputs, for the TypeScript contract test (`tests/models/phosphene-v1`); the VAE's
    entries from `vae_reference` where its graphs were kept from another package."""
    def summary(t):
        flat = t.detach().double().flatten()
        return dict(dims=list(t.shape), head=[round(v, 6) for v in flat[:64].tolist()],
                    tail=[round(v, 6) for v in flat[-64:].tolist()],
                    sum=flat.sum().item(), sum_sq=(flat * flat).sum().item())
    ids = torch.tensor([[2, 44, 4, 16, 50, 32, 52, 44, 12, 54, 3] + [0] * 21])
    hidden = text(ids)
    lat = formula((1, LATENT_CHANNELS, 5, 9, 16), 0.0)  # another length than the export's 3
    vel = dit(lat, torch.tensor([750.0]), hidden)
    ref = dict(input_ids=ids[0].tolist(), text_encoder=summary(hidden), denoiser=dict(timestep=750.0, **summary(vel)))
    if vae_reference is None:
        z = formula((1, LATENT_CHANNELS, 5, 9, 16), 1.0)  # three latent frames and one of context each side
        feats = TrunkExport(vae)(z)
        # Rows 10..41 of a 72-row frame and all 128 columns: a band, as the pipeline renders large frames.
        frames = DecoderExport(vae)(feats, source_coordinates(72, 72)[10:42], source_coordinates(128, 128))
        enc = EncoderExport(vae)(formula((1, 3, 5, 72, 128), 2.0).clamp(-1, 1))
        vae_reference = dict(vae_decoder_trunk=summary(feats), vae_decoder=summary(frames), vae_encoder=summary(enc))
    ref.update(vae_reference)
    with open(os.path.join(out, 'reference.json'), 'w') as f:
        json.dump(ref, f)


if __name__ == '__main__':
    main()
