"""The example LoRA pair: every object drawn in one colour (pink by default) whatever colour the prompt
names, on the frozen v1 DiT. Two files as the pipeline applies them: `high_noise` for steps with
sigma >= the manifest's boundary (0.5), `low_noise` below it; each is trained only on its sigma range.
Written in kohya layout (`<layer>.lora_down.weight` [r, in], `<layer>.lora_up.weight` [out, r],
`<layer>.alpha` = r), F32, to `models/<lora dir>/`. The evaluator measures the effect
(`npm run eval -- --lora <dir> --recolor pink`).
"""
import argparse
import json
import math
import os
import struct
import time

import torch

from common import PACKAGE, Log, load_trained, mixed_precision
from data import ClipStream, to_video, tubelets
from model import lora_layers

p = argparse.ArgumentParser()
p.add_argument('--color', default='pink')
p.add_argument('--rank', type=int, default=4)
p.add_argument('--minutes', type=float, default=10)
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--batch', type=int, default=16)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--out', default=None, help='output folder (default: models/phosphene-v1-lora-<color>)')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(3)
out_dir = args.out or os.path.join(os.path.dirname(PACKAGE), f'phosphene-v1-lora-{args.color}')
manifest = json.load(open(os.path.join(PACKAGE, 'model.json')))
boundary = manifest['graphs']['denoiser']['lora']['boundary_sigma']

vae, text, dit, extra = load_trained()
step0, scaling = extra['step'], extra['scaling_factor']
for m in (vae, text, dit):
    m.requires_grad_(False)
layers = lora_layers(dit)


def factors():
    out = []
    for _, lin in layers:
        down = torch.randn(lin.in_features, args.rank) / math.sqrt(lin.in_features)
        out.append((down.requires_grad_(), torch.zeros(args.rank, lin.out_features, requires_grad=True)))
    return out


sets = {'high_noise': factors(), 'low_noise': factors()}
params = [t for fs in sets.values() for pair in fs for t in pair]
opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
stream = ClipStream(128, 72, 17, seed=4040, recolor=args.color)
log = Log(f'lora-{args.color}')
t_end, step = time.time() + args.minutes * 60, 0
while time.time() < t_end:
    ids, clips = stream.batch(args.batch)
    with torch.no_grad():
        g = tubelets(to_video(clips))
        n, t = g.shape[:2]
        with mixed_precision():
            z = vae.encoder(g.reshape(n * t, 12, 72, 128)).float()
        x0 = z.reshape(n, t, *z.shape[1:]).permute(0, 2, 1, 3, 4) * scaling
        ctx = text(ids)
    total = 0.0
    opt.zero_grad(set_to_none=True)
    for name, fs in sets.items():
        lo, hi = (boundary, 1.0) if name == 'high_noise' else (1e-3, boundary)
        sigma = lo + (hi - lo) * torch.rand(n)
        noise = torch.randn_like(x0)
        s = sigma.view(n, 1, 1, 1, 1)
        for (_, lin), pair in zip(layers, fs):
            lin.lora = pair
        with mixed_precision():
            v = dit((1 - s) * x0 + s * noise, sigma * 1000, ctx).float()
        loss = (v - (noise - x0)).pow(2).mean()
        loss.backward()
        total += loss.item() / 2
    opt.step()
    step += 1
    if step % 10 == 0:
        log.write(step=step, t=round(time.time() - log.t0), loss=total)
stream.close()
for _, lin in layers:
    lin.lora = None


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for key, t in tensors.items():
        data = t.detach().float().contiguous().numpy().tobytes()
        header[key] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)) + head + b''.join(blobs))


os.makedirs(out_dir, exist_ok=True)
meta = {'base_model': manifest['id'], 'effect': f'every object {args.color}', 'rank': str(args.rank),
        'steps': str(step), 'base_dit_step': str(step0)}
for name, fs in sets.items():
    tensors = {}
    for (layer, _), (down, up) in zip(layers, fs):
        tensors[f'{layer}.lora_down.weight'] = down.t()
        tensors[f'{layer}.lora_up.weight'] = up.t()
        tensors[f'{layer}.alpha'] = torch.tensor(float(args.rank))
    write_safetensors(os.path.join(out_dir, f'{name}.safetensors'), tensors, meta)
print('wrote', out_dir, 'after', step, 'steps', flush=True)
