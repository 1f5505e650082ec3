"""Stage 1: the tubelet autoencoder, on 4-frame groups of world clips.

Input: the clip area-downsampled to the 128x72 base size; target: the clip at 2x (256x144) or 4x
(512x288), so the per-pixel head learns to draw edges sharper than the base grid. Loss L1 + MSE, a
little latent noise (so the DiT's imperfect latents still decode cleanly) and a small latent L2 (keeps
the latent scale near 1). Resumes from its checkpoint; saves every few minutes.
"""
import argparse
import contextlib
import math
import random
import time

import torch
import torch.nn.functional as F

from common import Log, load, save, mixed_precision
from data import ClipStream, to_video, tubelets
from model import VideoAutoencoder, count_params

p = argparse.ArgumentParser()
p.add_argument('--minutes', type=float, default=20)
p.add_argument('--batch', type=int, default=6, help='clips per step (2 groups of 4 frames each)')
p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--device', default='cpu')
p.add_argument('--freeze-encoder', action='store_true', help='train the decoder only (the DiT\'s latent space stays fixed)')
p.add_argument('--object-weight', type=float, default=0.0,
               help='extra loss weight on object pixels (where the clip differs from its background)')
p.add_argument('--share4', type=float, default=0.0, help='share of steps with 512x288 targets')
p.add_argument('--dit-latents', type=float, default=0.0,
               help='share of steps (with --freeze-encoder) that decode the DiT\'s own prediction x0 from the clip\'s '
                    'latents noised to sigma in [0.1, 0.5] (what a few-step sampler\'s last steps hand the decoder), '
                    'so the decoder learns the latents it is really given, not only the encoder\'s')
p.add_argument('--temporal-weight', type=float, default=1.0,
               help='weight of the L1 loss on frame-to-frame changes over two adjacent 4-frame groups')
p.add_argument('--first-share', type=float, default=0.0,
               help='share of clips whose two decoded latent frames start at latent frame 0 (otherwise a quarter of them '
                    'do, for 17-frame clips): image-to-video shows the given image as frame 0, decoded from it alone')
p.add_argument('--first-weight', type=float, default=0.0,
               help='extra weight of frame 0 in the per-pixel losses (the image-to-video first-frame PSNR goal)')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

vae = VideoAutoencoder().to(args.device)
opt = torch.optim.AdamW(vae.parameters(), lr=args.lr, weight_decay=0.0)
step, extra = load('vae', {'vae': vae}, None if args.freeze_encoder else opt)
if args.freeze_encoder:
    vae.encoder.requires_grad_(False)
    opt = torch.optim.AdamW(vae.decoder.parameters(), lr=args.lr, weight_decay=0.0)
start_step, t_start = step, time.time()
dit_parts = None
if args.dit_latents > 0:
    assert args.freeze_encoder, '--dit-latents trains the decoder only: the DiT was trained on this encoder'
    from common import load_trained
    _, dit_text, dit_model, dit_extra = load_trained()  # EMA weights, eval mode
    dit_parts = (dit_text.requires_grad_(False), dit_model.requires_grad_(False), dit_extra['scaling_factor'])


@torch.no_grad()
def dit_prediction(groups_all):
    """x0 as the DiT predicts it from the clip's encoder latents noised to sigma in [0.1, 0.5], per group.
    groups_all: [N, T, 4, 3, h, w] (every group of each clip: the DiT attends over the whole clip)."""
    dit_text, dit_model, scaling = dit_parts
    n, t = groups_all.shape[:2]
    x = F.avg_pool2d(groups_all.reshape(n * t * 4, 3, *groups_all.shape[-2:]), 2)
    x = x.reshape(n * t, 12, x.shape[-2], x.shape[-1])
    with mixed_precision():
        z = vae.encoder(x).float()
    z = z.reshape(n, t, *z.shape[1:]).permute(0, 2, 1, 3, 4) * scaling  # [N, C, T, 9, 16]
    sigma = 0.1 + 0.4 * torch.rand(n)
    s = sigma.view(n, 1, 1, 1, 1)
    xt = (1 - s) * z + s * torch.randn_like(z)
    with mixed_precision():
        v = dit_model(xt, sigma * 1000, dit_text(batch_ids)).float()
    x0 = (xt - s * v) / scaling
    return x0.permute(0, 2, 1, 3, 4)  # [N, T, C, 9, 16]

print('vae params', count_params(vae), flush=True)
streams = {2: ClipStream(256, 144, 17, seed=1000 + step, background=args.object_weight > 0)}
if args.share4 > 0:
    streams[4] = ClipStream(512, 288, 17, seed=2000 + step)
log = Log('vae')
t_end = time.time() + args.minutes * 60
last_save = time.time()
rng = random.Random(step)
data_s = 0.0
while time.time() < t_end:
    scale = 4 if rng.random() < args.share4 else 2
    t_data = time.time()
    batch = streams[scale].batch(args.batch)
    ids, clips = batch[0], batch[1]
    batch_ids = ids
    data_s += time.time() - t_data
    groups = tubelets(clips)  # uint8 [N, 5, 4, H, W, 3]
    # Two adjacent groups of each clip, so the loss on frame-to-frame changes also spans the seam between
    # latent frames, where a decoder that draws each latent frame on its own jumps.
    first = torch.randint(0, groups.shape[1] - 1, (groups.shape[0],))
    first = torch.where(torch.rand(first.shape) < args.first_share, torch.zeros_like(first), first)
    pick = torch.stack([first, first + 1], dim=1)
    picked = torch.stack([groups[i, pick[i]] for i in range(groups.shape[0])]).flatten(0, 1)  # [2N, 4, H, W, 3]
    target = to_video(picked)  # [2N, 4, 3, H, W]
    weight = None
    if args.object_weight > 0:
        # Objects cover a few % of a frame, so an unweighted loss learns the backgrounds first and the
        # objects' colours and shapes last: weight the pixels that differ from the scene's background.
        bg = to_video(batch[2].unsqueeze(1))[:, 0].repeat_interleave(2, dim=0)  # [2N, 3, H, W]
        mask = ((target - bg.unsqueeze(1)).abs().amax(dim=2, keepdim=True) > 0.05).float()
        weight = 1 + args.object_weight * mask
    n, _, _, h, w = target.shape
    # Warm up, then a cosine from lr to lr / 10 over the run's time budget.
    progress = min(1.0, (time.time() - t_start) / (args.minutes * 60))
    for g in opt.param_groups:
        g['lr'] = args.lr * min(1.0, (step - start_step + 1) / 200) * (0.55 + 0.45 * math.cos(math.pi * progress))
    use_dit = dit_parts is not None and scale == 2 and rng.random() < args.dit_latents
    with mixed_precision():
        # Every latent frame of each clip, since each picked one decodes with its neighbours as context.
        video_all = to_video(groups.flatten(1, 2)).reshape(*groups.shape[:3], 3, h, w)  # [N, T, 4, 3, H, W]
        if use_dit:
            zs = dit_prediction(video_all)  # [N, T, C, 9, 16]
        else:
            nc, t = groups.shape[:2]
            x = F.avg_pool2d(video_all.reshape(nc * t * 4, 3, h, w), scale)
            x = x.reshape(nc * t, 12, h // scale, w // scale).to(args.device)
            with torch.no_grad() if args.freeze_encoder else contextlib.nullcontext():
                zs = vae.encoder(x)
            zs = zs.reshape(nc, t, *zs.shape[1:])
            zs = zs + 0.1 * torch.randn_like(zs)
        z = torch.stack([zs[i, pick[i]] for i in range(zs.shape[0])]).flatten(0, 1)
        # The two picked latent frames with the context the pipeline's chunks give them (clip ends repeated).
        feats = vae.decoder.chunk_features(zs, first, 2)
        # The head runs on a random quarter of the frame: bilinear interpolation at an integer scale
        # only reads neighbours within one base pixel, so a crop with a one-pixel margin (edge-padded,
        # as interpolate clamps at borders) gives exactly the full frame's values inside it.
        bh, bw = feats.shape[-2:]
        ch, cw = bh // 2, bw // 2
        y0, x0 = rng.randrange(bh - ch + 1), rng.randrange(bw - cw + 1)
        padded = F.pad(feats.float(), (1, 1, 1, 1), mode='replicate')[..., y0:y0 + ch + 2, x0:x0 + cw + 2]
        out = vae.decoder.render(padded, (ch + 2) * scale, (cw + 2) * scale).float()
        out = out[..., scale:-scale, scale:-scale]
    crop = (Ellipsis, slice(y0 * scale, (y0 + ch) * scale), slice(x0 * scale, (x0 + cw) * scale))
    target = target[crop].to(args.device)
    if weight is not None:
        weight = weight[crop].to(args.device)
    # Latent frame 0 stands for frame 0 alone, and the pipeline keeps its first decoded frame (the manifest's
    # `first_frame: 'first'`: the one that blends toward no neighbour). Its other three are never shown, so
    # they copy the first: the losses see frame 0 four times, and the change to frame 1 at the seam.
    is0 = (pick == 0).flatten().view(-1, 1, 1, 1, 1).to(out.device)
    out = torch.where(is0, out[:, :1].expand_as(out), out)
    if args.first_weight > 0:
        # Frame 0 (latent frame 0's four copies of it) gets `first_weight` more on every pixel, background too:
        # its PSNR is mostly background, which the object weight plays down. The temporal loss keeps its weights.
        base = torch.ones_like(target[:, :, :1]) if weight is None else weight
        weight_px = base + args.first_weight * is0.float()
    else:
        weight_px = weight
    err = out - target
    l1 = err.abs().mean() if weight_px is None else (weight_px * err.abs()).mean() / weight_px.mean()
    mse = err.pow(2).mean()
    reg = z.float().pow(2).mean()
    loss = l1 + (mse if weight_px is None else (weight_px * err.pow(2)).mean() / weight_px.mean()) + 1e-3 * reg
    d_l1 = torch.zeros(())
    if args.temporal_weight > 0:
        # The change from frame to frame inside a group, against the clip's: a per-frame loss alone lets the
        # decoder draw the group's average picture four times (motion in steps of 4 frames).
        # Each clip's two groups as one run of 8 frames: 7 changes, the seam between the groups among them.
        seq = lambda x: x.reshape(x.shape[0] // 2, 2 * x.shape[1], *x.shape[2:])
        o, tg = seq(out), seq(target)
        d_err = (o[:, 1:] - o[:, :-1]) - (tg[:, 1:] - tg[:, :-1])
        if weight is None:
            d_l1 = d_err.abs().mean()
        else:
            w8 = seq(weight)
            wt = torch.maximum(w8[:, 1:], w8[:, :-1])
            d_l1 = (wt * d_err.abs()).mean() / wt.mean()
        loss = loss + args.temporal_weight * d_l1
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
    opt.step()
    step += 1
    if step % 20 == 0:
        psnr = 10 * torch.log10(4.0 / mse.detach()).item()
        log.write(step=step, t=round(time.time() - log.t0), scale=scale, l1=l1.item(), d_l1=d_l1.item(), psnr=psnr, zstd=z.float().std().item(), data_s=round(data_s, 1))
    if time.time() - last_save > 90:
        save('vae', {'vae': vae}, opt, step, {})
        last_save = time.time()
save('vae', {'vae': vae}, opt, step, {})
for s in streams.values():
    s.close()
print('done', step, flush=True)
