"""Where does the DiT lose the object's shape? A small frozen-VAE-latent classifier (the probe) learns the shape
word from true latents; then it reads the DiT's one-step estimate x0_hat = x_sigma - sigma v at several noise
levels, and the latents of a few-step sample. If the probe reads true latents well but x0_hat badly at the
noise levels where the text must decide the shape, the DiT has not learned the shape words.

The probe is also what `train_dit.py --shape-weight` trains against (`--save`), so its weights are written next
to the training state (ignored by git, rebuilt by this script in a few minutes).
Usage: shape_probe.py [--train-batches 300] [--save]"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import STATE, load_trained, mixed_precision
from data import ClipStream, to_video, tubelets

SHAPE_TOKENS = 16  # tokenizer ids 16..31: circle, circles, square, squares, ... (singular, plural)
SHAPES = 8


def shape_labels(ids):
    """[N, 32] token ids -> [N] shape index (each prompt names one shape)."""
    hit = (ids >= SHAPE_TOKENS) & (ids < SHAPE_TOKENS + 2 * SHAPES)
    return ((ids * hit).amax(dim=1) - SHAPE_TOKENS) // 2


def object_cells(clips, background):
    """[N, 1, T, 9, 16] 1 where a latent cell's 4 frames show an object (differ from the static background)."""
    diff = (to_video(clips) - to_video(background.unsqueeze(1))).abs().amax(dim=2)  # [N, F, 72, 128]
    groups = tubelets(diff.unsqueeze(2))[:, :, :, 0]  # [N, T, 4, 72, 128]
    n, t = groups.shape[:2]
    cells = F.max_pool2d((groups.amax(dim=2) > 0.05).float().reshape(n * t, 1, 72, 128), 8)
    return cells.reshape(n, 1, t, 9, 16)


class ShapeProbe(nn.Module):
    """Latent frame [16, 9, 16] + object mask -> shape logits, pooled over the cells around the object."""

    def __init__(self, channels: int = 16, width: int = 96):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(channels + 1, width, 3, padding=1), nn.GELU(),
                                 nn.Conv2d(width, width, 3, padding=1), nn.GELU(),
                                 nn.Conv2d(width, SHAPES, 1))

    def forward(self, z, cells):
        """z [N, C, T, h, w], cells [N, 1, T, h, w] -> logits [N, SHAPES] (mean over frames with an object)."""
        n, c, t, h, w = z.shape
        x = torch.cat([z, cells], dim=1).permute(0, 2, 1, 3, 4).reshape(n * t, c + 1, h, w)
        logits = self.net(x)
        near = F.max_pool2d(cells.permute(0, 2, 1, 3, 4).reshape(n * t, 1, h, w), 3, 1, 1)
        pooled = (logits * near).sum(dim=(2, 3)) / near.sum(dim=(2, 3)).clamp(min=1)
        return pooled.reshape(n, t, SHAPES).mean(dim=1)


def encoder(vae, scaling):
    @torch.no_grad()
    def encode(clips):
        groups = tubelets(to_video(clips))
        n, t = groups.shape[:2]
        with mixed_precision():
            z = vae.encoder(groups.reshape(n * t, 12, 72, 128)).float()
        return z.reshape(n, t, *z.shape[1:]).permute(0, 2, 1, 3, 4).contiguous() * scaling
    return encode


PROBE_PATH = os.path.join(STATE, 'shape-probe.pt')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--train-batches', type=int, default=300)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--save', action='store_true')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vae, text, dit, extra = load_trained()
    encode = encoder(vae, extra['scaling_factor'])
    probe = ShapeProbe()
    opt = torch.optim.AdamW(probe.parameters(), lr=2e-3, weight_decay=0.01)
    train = ClipStream(128, 72, 17, seed=4242, background=True)
    for i in range(args.train_batches):
        ids, clips, bg = train.batch(16)
        z, cells, y = encode(clips), object_cells(clips, bg), shape_labels(ids)
        z = z + 0.05 * torch.randn_like(z)  # a little noise so the probe does not hang on exact encoder values
        loss = F.cross_entropy(probe(z, cells), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i % 50 == 0:
            print('probe batch', i, 'loss', round(loss.item(), 3), flush=True)
    train.close()
    probe.eval().requires_grad_(False)
    if args.save:
        os.makedirs(STATE, exist_ok=True)
        torch.save(probe.state_dict(), PROBE_PATH)

    held = ClipStream(128, 72, 17, seed=77, split='heldout', background=True)
    ids, clips, bg = held.batch(128)
    held.close()
    z, cells, y = encode(clips), object_cells(clips, bg), shape_labels(ids)
    acc = lambda logits: (logits.argmax(dim=1) == y).float().mean().item()
    report = {'true latents': acc(probe(z, cells))}
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        ctx = text(ids)
        for sigma in (0.2, 0.4, 0.6, 0.8, 0.95):
            noise = torch.randn(z.shape, generator=gen)
            xt = (1 - sigma) * z + sigma * noise
            v = dit(xt, torch.full((z.shape[0],), sigma * 1000.0), ctx)
            report[f'x0_hat sigma {sigma}'] = acc(probe(xt - sigma * v, cells))
        # 4 Euler steps from sigma 0.8 of the true clip: the noise still fixes where the object is (a sample from
        # pure noise puts it anywhere, and the probe reads the true clip's cells), the text must say its shape.
        x = 0.2 * z + 0.8 * torch.randn(z.shape, generator=gen)
        sig = torch.linspace(0.8, 0, 5)
        for i in range(4):
            v = dit(x, torch.full((z.shape[0],), float(sig[i]) * 1000), ctx)
            x = x + (sig[i + 1] - sig[i]) * v
        report['4 steps from sigma 0.8'] = acc(probe(x, cells))
    print(json.dumps({k: round(v, 3) for k, v in report.items()}, indent=1), flush=True)


if __name__ == '__main__':
    main()
