"""Stage timings of the PyTorch original, for `npm run bench`'s side-by-side table: one text-to-video job
(text encoder, `--steps` Euler steps of the DiT with guidance 1, VAE decode at the output size in
latent-frame chunks as the pipeline does), warm, median of `--rounds`. Prints one JSON line of ms.
Usage: bench.py --width 256 --height 144 --frames 17 [--steps 4] [--rounds 3] [--threads 2]
"""
import argparse
import json
import statistics
import time

import torch

from common import load_trained
from model import base_size

p = argparse.ArgumentParser()
p.add_argument('--width', type=int, default=256)
p.add_argument('--height', type=int, default=144)
p.add_argument('--frames', type=int, default=17)
p.add_argument('--steps', type=int, default=4)
p.add_argument('--rounds', type=int, default=3)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--bf16', action='store_true', help='run under bf16 autocast (AMX) instead of fp32')
args = p.parse_args()
torch.set_num_threads(args.threads)
vae, text, dit, _ = load_trained()
bw, bh = base_size(args.width, args.height)
t_lat = 1 + (args.frames - 1) // 4
ids = torch.zeros(1, 32, dtype=torch.long)
ids[0, :6] = torch.tensor([1, 5, 6, 7, 8, 2])


def job():
    t = {}
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=args.bf16):
        t0 = time.perf_counter()
        ctx = text(ids)
        t1 = time.perf_counter()
        x = torch.randn(1, 16, t_lat, bh // 8, bw // 8)
        sig = torch.linspace(1, 0, args.steps + 1)
        for i in range(args.steps):
            v = dit(x, torch.full((1,), float(sig[i]) * 1000), ctx)
            x = x + (sig[i + 1] - sig[i]) * v.float()
        t2 = time.perf_counter()
        for k in range(t_lat):  # one latent frame at a time, as the pipeline's chunked decoder
            context = torch.cat([x[:, :, max(k - 1, 0)], x[:, :, min(k + 1, t_lat - 1)]], dim=1)
            vae.decoder.render(vae.decoder.features(x[:, :, k], context), args.height, args.width)
        t3 = time.perf_counter()
    t['encode-prompt'], t['denoise (all steps)'], t['vae decode'] = (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3
    t['total pipeline'] = (t3 - t0) * 1e3
    return t


job()  # warm-up
runs = [job() for _ in range(args.rounds)]
print(json.dumps({k: statistics.median(r[k] for r in runs) for k in runs[0]}))
