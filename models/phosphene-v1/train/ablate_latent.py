"""Ablation: is the VAE's latent space what keeps the DiT from learning object colours?

The notes' run learned colour (99.6 %) in 25 CPU-minutes with this DiT code on a world rendered at
16x16 pixels, while v1's DiT, after hours on the VAE's latents, draws object colours at chance. This
script trains the same DiT from scratch on a *pixel* latent of the same grid (each 16x9 cell of a
4-frame tubelet holds the 8x8 area mean of its 4 RGB frames: 12 channels) and scores both models with
one colour metric on held-out clips, so the two latent spaces compare directly.

Colour metric: for each held-out clip, the cells an object covers most (>= 90 % of the best-covered
cell, from the ground truth against its background), the generated clip's mean RGB over those cells, the nearest world
colour to it; accuracy = share of clips where that is the prompt's colour (chance 1/12).

Usage: ablate_latent.py --latent pixel --minutes 20   (train, then score)
       ablate_latent.py --latent vae                  (score the trained v1 DiT)
"""
import argparse
import copy
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import PACKAGE, ema_update, flow_batch, load_trained, mixed_precision
from data import ClipStream, to_video, tubelets
from model import TextEncoder, VideoDiT

p = argparse.ArgumentParser()
p.add_argument('--latent', choices=['pixel', 'vae'], required=True)
p.add_argument('--minutes', type=float, default=20)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--n', type=int, default=64, help='held-out clips scored')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

COLORS = torch.tensor(list(json.load(open(os.path.join(PACKAGE, '..', 'world', 'world.json')))['colors'].values()),
                      dtype=torch.float32)  # [12, 3], in the tokenizer's order (ids 4..15)
FIRST_COLOR_ID = 4


def pixel_latent(clips):
    """[N, 17, 72, 128, 3] uint8 -> [N, 12, 5, 9, 16]: 8x8 area means of each tubelet's 4 frames."""
    g = tubelets(to_video(clips))  # [N, T, 4, 3, 72, 128]
    n, t = g.shape[:2]
    pooled = F.avg_pool2d(g.reshape(n * t, 12, 72, 128), 8)
    return pooled.reshape(n, t, 12, 9, 16).permute(0, 2, 1, 3, 4).contiguous()


def cell_rgb(video):
    """[N, 17, 3, 72, 128] in [-1, 1] -> [N, 5, 3, 9, 16] mean RGB (0-255) per tubelet cell."""
    g = tubelets(video)
    n, t = g.shape[:2]
    m = F.avg_pool2d(g.mean(dim=2).reshape(n * t, 3, 72, 128), 8).reshape(n, t, 3, 9, 16)
    return (m + 1) * 127.5


def coverage(clips, background):
    """[N, 5, 9, 16]: share of each tubelet cell's pixels where an object differs from the background."""
    diff = (to_video(clips) - to_video(background.unsqueeze(1))).abs().amax(dim=2, keepdim=True)  # [N, F, 1, H, W]
    g = tubelets((diff > 0.05).float())
    n, t = g.shape[:2]
    return F.avg_pool2d(g.mean(dim=2).reshape(n * t, 1, 72, 128), 8).reshape(n, t, 9, 16)


def colour_accuracy(ids, gen_video, cover):
    """Share of clips whose generated object cells are nearest to the prompt's colour."""
    hits = 0
    for i in range(ids.shape[0]):
        word = [int(v) for v in ids[i] if FIRST_COLOR_ID <= int(v) < FIRST_COLOR_ID + len(COLORS)]
        # The purest cells: objects blend with the background at their edges and where they move.
        cells = cover[i] >= cover[i].max() * 0.9
        rgb = cell_rgb(gen_video[i:i + 1])[0].permute(0, 2, 3, 1)[cells].mean(dim=0)  # [3]
        nearest = int((COLORS - rgb).pow(2).sum(dim=1).argmin())
        hits += int(bool(word) and nearest == word[0] - FIRST_COLOR_ID)
    return hits / ids.shape[0]


def sample(dit, text, ids, shape, steps, guidance):
    cond = text(ids)
    empty = ids.clone()
    empty[:, 1] = 3
    empty[:, 2:] = 0
    unc = text(empty)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1234))
    sig = torch.linspace(1, 0, steps + 1)
    for i in range(steps):
        s = torch.full((shape[0],), float(sig[i]))
        v = dit(x, s * 1000, cond)
        if guidance != 1:
            vu = dit(x, s * 1000, unc)
            v = vu + guidance * (v - vu)
        x = x + (sig[i + 1] - sig[i]) * v
    return x


def pixel_video(z):
    """[N, 12, 5, 9, 16] pixel latents -> [N, 17, 3, 72, 128] (nearest upsampling: cell means as blocks)."""
    n, _, t = z.shape[:3]
    up = F.interpolate(z.permute(0, 2, 1, 3, 4).reshape(n * t, 12, 9, 16), scale_factor=8, mode='nearest')
    f = up.reshape(n, t, 4, 3, 72, 128)
    return torch.cat([f[:, :1, :1].flatten(1, 2), f[:, 1:].flatten(1, 2)], dim=1)


held = ClipStream(128, 72, 17, seed=99, split='heldout', background=True)
h_ids, h_clips, h_bg = held.batch(args.n)
held.close()
cover = coverage(h_clips, h_bg)
print('truth colour accuracy (metric sanity)', colour_accuracy(h_ids, to_video(h_clips), cover), flush=True)

if args.latent == 'vae':
    vae, text, dit, extra = load_trained()
    scaling = extra['scaling_factor']

    def decode(z):
        n, c, t = z.shape[:3]
        f = vae.decoder.render(vae.decoder.clip_features(z), 72, 128)
        f = f.reshape(n, t, 4, 3, 72, 128)
        return torch.cat([f[:, :1, :1].flatten(1, 2), f[:, 1:].flatten(1, 2)], dim=1)

    with torch.no_grad():
        for steps, g in ((4, 1.0), (16, 3.0)):
            x = sample(dit, text, h_ids, (args.n, 16, 5, 9, 16), steps, g)
            print(f'vae latent, DiT step {extra["step"]}: {steps} steps g {g}: colour',
                  colour_accuracy(h_ids, decode(x / scaling), cover), flush=True)
    raise SystemExit

vocab = len(json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab'])
text, dit = TextEncoder(vocab), VideoDiT()
dit.proj_in = nn.Linear(12, dit.dim)
dit.proj_out = nn.Linear(dit.dim, 12)
nn.init.zeros_(dit.proj_out.weight)
nn.init.zeros_(dit.proj_out.bias)
params = list(text.parameters()) + list(dit.parameters())
opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
ema_text, ema_dit = copy.deepcopy(text), copy.deepcopy(dit)
stream = ClipStream(128, 72, 17, seed=4321, background=True)
scaling = float(1.0 / pixel_latent(stream.batch(32)[1]).std())
print('pixel scaling', scaling, flush=True)
empty_ids = None
step, t_end, t0, losses = 0, time.time() + args.minutes * 60, time.time(), []
while time.time() < t_end:
    ids, clips, bg = stream.batch(16)
    x0 = pixel_latent(clips) * scaling
    weight = 1 + 4 * (coverage(clips, bg) > 0).float().unsqueeze(1)  # object cells x5, as v1's --object-weight 4
    if empty_ids is None:
        empty_ids = ids[0].clone()
        empty_ids[1] = 3
        empty_ids[2:] = 0
    for _ in range(3):  # as train_dit.py's --reuse 3
        cond_ids, sigma, xt, target = flow_batch(x0, ids, empty_ids)
        for g in opt.param_groups:
            g['lr'] = args.lr * min(1.0, (step + 1) / 300)
        with mixed_precision():
            v = dit(xt, sigma * 1000, text(cond_ids)).float()
        loss = (weight * (v - target).pow(2)).mean() / weight.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(((ema_text, text), (ema_dit, dit)), step, 0.999)
        step += 1
        losses.append(loss.item())
    if step % 150 == 0:
        print(f'step {step} t {time.time() - t0:.0f} loss {sum(losses) / len(losses):.4f}', flush=True)
        losses = []
stream.close()
ema_text.eval()
ema_dit.eval()
with torch.no_grad():
    for steps, g in ((4, 1.0), (16, 3.0)):
        x = sample(ema_dit, ema_text, h_ids, (args.n, 12, 5, 9, 16), steps, g)
        print(f'pixel latent, {step} steps of training ({args.minutes} min): {steps} steps g {g}: colour',
              colour_accuracy(h_ids, pixel_video(x / scaling), cover), flush=True)
