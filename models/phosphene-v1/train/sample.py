"""Diagnostics in PyTorch alone: VAE reconstructions and DiT samples (Euler, flow matching) of held-out
clips, written as a PNG grid (rows: truth, reconstruction, sample). Usage: sample.py --out x.png [--steps S]"""
import argparse

import numpy as np
import torch
from PIL import Image

from common import load_trained
from data import ClipStream, to_video, tubelets

p = argparse.ArgumentParser()
p.add_argument('--out', required=True)
p.add_argument('--n', type=int, default=6)
p.add_argument('--steps', type=int, default=16)
p.add_argument('--guidance', type=float, default=3.0)
p.add_argument('--guidance-max-sigma', type=float, default=0.9,
               help='guidance only at sigma <= this, as the manifest\'s scheduler.guidance_max_sigma (1 = every step)')
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
vae, text, dit, extra = load_trained()
scaling = extra['scaling_factor']
stream = ClipStream(128, 72, 17, seed=99, split='heldout')
ids, clips = stream.batch(args.n)
stream.close()


def decode(z):  # [N, C, T, 9, 16] -> [N, F, 3, 72, 128]
    n, c, t = z.shape[:3]
    f = vae.decoder.render(vae.decoder.clip_features(z), 72, 128)
    f = f.reshape(n, t, 4, 3, 72, 128)
    return torch.cat([f[:, :1, :1].flatten(1, 2), f[:, 1:].flatten(1, 2)], dim=1)


with torch.no_grad():
    video = to_video(clips)
    g = tubelets(video)
    n, t = g.shape[:2]
    z = vae.encoder(g.reshape(n * t, 12, 72, 128)).reshape(n, t, 16, 9, 16).permute(0, 2, 1, 3, 4)
    recon = decode(z)
    cond = text(ids)
    empty = ids.clone(); empty[:, 1] = 3; empty[:, 2:] = 0
    unc = text(empty)
    x = torch.randn_like(z)
    sig = torch.linspace(1, 0, args.steps + 1)
    for i in range(args.steps):
        s = torch.full((n,), float(sig[i]))
        v = dit(x, s * 1000, cond)
        if args.guidance != 1 and sig[i] <= args.guidance_max_sigma:
            vu = dit(x, s * 1000, unc)
            v = vu + args.guidance * (v - vu)
        x = x + (sig[i + 1] - sig[i]) * v
    sample = decode(x / scaling)
mse = (recon - video).pow(2).mean().item()
print('recon psnr', 10 * np.log10(4 / mse), 'latent std', (z * scaling).std().item(), 'sample std', x.std().item())
rows = []
for i in range(n):
    for vid in (video, recon, sample):
        frames = [vid[i, k] for k in (0, 8, 16)]
        rows.append(torch.cat(frames, dim=2))
img = torch.cat(rows, dim=1).clamp(-1, 1)
Image.fromarray(((img.permute(1, 2, 0).numpy() + 1) * 127.5).astype(np.uint8)).save(args.out)
