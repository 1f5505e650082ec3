"""Stage 2: the text encoder and the video DiT, by flow matching on latents of the frozen autoencoder.

x_sigma = (1 - sigma) x0 + sigma noise, target velocity = noise - x0 (the pipeline's contract), sigma
from a logit-normal mixed with a uniform so every step of a 4- to 50-step schedule is trained; 10 %
empty prompts for classifier-free guidance. Clips of 17, 33 and 81 frames (5, 9, 21 latent frames) so
the temporal attention sees the lengths users ask for. Each encoded batch serves `--reuse` steps (fresh
noise and sigma each), which cuts the encoder's share of the CPU. EMA weights are what gets exported.
"""
import argparse
import copy
import json
import os
import random
import time

import torch

from common import PACKAGE, Log, ema_update, flow_batch, load, save, mixed_precision
from data import ClipStream, to_video, tubelets
from model import TextEncoder, VideoAutoencoder, VideoDiT, count_params
from shape_probe import object_cells

p = argparse.ArgumentParser()
p.add_argument('--minutes', type=float, default=90)
p.add_argument('--lr', type=float, default=5e-4)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--ema', type=float, default=0.999)
p.add_argument('--reuse', type=int, default=3, help='steps per encoded batch (fresh noise and sigma each)')
p.add_argument('--object-weight', type=float, default=0.0,
               help='extra loss weight on latent cells that hold an object (objects cover a few %% of a clip)')
p.add_argument('--decay', type=float, default=0.0,
               help='share of the run (by wall clock) over which lr falls linearly to a tenth at the end: '
                    'a constant lr leaves the weights noisy, and the export is taken at the end of a session')
p.add_argument('--pixel-weight', type=float, default=0.0,
               help='weight of a pixel loss on the object: one latent frame of x0_hat and of the true latents is decoded '
                    'by the frozen decoder and compared where the object is (the latent loss treats every channel alike, '
                    'and the object\'s shape lives in small differences the decoder turns into edges)')
p.add_argument('--pixel-clips', type=int, default=8, help='clips per batch that the pixel loss decodes')
p.add_argument('--motions', help='favour these motions (comma-separated world motions) in the training clips')
p.add_argument('--motion-share', type=float, default=0.5, help='share of clips whose motion comes from --motions')
p.add_argument('--high-sigma', type=float, default=0.0,
               help='share of each batch with sigma in [0.7, 1] (where the 4-step sampler fixes an object\'s path)')
p.add_argument('--shape-pairs', type=float, default=0.0,
               help='weight of a paired loss on what the shape word alone changes: clips come as a scene and its twin in '
                    'another shape (clip-stream --pairs), both get the same noise and sigma, and the difference of '
                    'their velocity errors is penalised (the noise cancels, leaving the shapes\' difference as target). '
                    'The DiT drew shapes it was shown (from sigma 0.75) but not from the prompt (from noise)')
p.add_argument('--new-lr', type=float,
               help='learning rate of the parameters that start at zero in a grown network (the TextPools): a fine-tune '
                    'that adds them can train them fast and the trained rest gently (default: --lr)')
p.add_argument('--rescale', action='store_true', help='measure the latent scaling factor again (after retraining the VAE)')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

vocab = len(json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab'])
vae = VideoAutoencoder()
load('vae', {'vae': vae})
vae.eval().requires_grad_(False)
text = TextEncoder(vocab)
dit = VideoDiT()
params = list(text.parameters()) + list(dit.parameters())
new = ([p for n, p in dit.named_parameters() if any(q in n for q in VideoDiT.GROWN_PARTS)] +
       [p for n, p in text.named_parameters() if n.startswith(TextEncoder.GROWN)])
old = [p for p in params if all(p is not q for q in new)]
opt = torch.optim.AdamW([dict(params=old), dict(params=new)], lr=args.lr, weight_decay=0.01)
ema_text, ema_dit = copy.deepcopy(text), copy.deepcopy(dit)
MODULES = {'text': text, 'dit': dit, 'ema_text': ema_text, 'ema_dit': ema_dit}
step, extra = load('dit', MODULES, opt)
# Each group's peak rate, set after `load`: a resumed optimizer brings back the saved groups' settings, and this run's
# --lr and --new-lr are the ones asked for.
for g, base in zip(opt.param_groups, (args.lr, args.new_lr or args.lr)):
    g['base'] = base
# A fresh optimizer on trained weights (the fp32 state was lost and the run starts from the committed bf16 EMA): Adam's
# first updates are ~lr * sign(grad) on every parameter, so warm up over this run's first 50 steps as well.
fresh_opt, run_steps = not opt.state, 0
scaling = None if args.rescale else extra.get('scaling_factor')
print('text params', count_params(text), 'dit params', count_params(dit), flush=True)
if not dit.text_inv_std.ne(1).any():  # grown from a checkpoint without the pooled text's statistics: measure them
    prompts = ClipStream(16, 16, 1, seed=99)
    ids = prompts.batch(512)[0]
    prompts.close()
    with torch.no_grad():
        dit.calibrate_text(text(ids))
        ema_dit.calibrate_text(ema_text(ids))
    print('pooled text calibrated on 512 prompts', flush=True)

# (frames, clips per batch, share of batches): similar token counts per batch.
LENGTHS = [(17, 16, 0.7), (33, 8, 0.2), (81, 4, 0.1)]
need_cells = args.object_weight > 0 or args.pixel_weight > 0
streams = {f: ClipStream(128, 72, f, seed=7000 + 10 * step + f, background=need_cells, motions=args.motions,
                         motion_share=args.motion_share, pairs=args.shape_pairs > 0) for f, _, _ in LENGTHS}
EMPTY = None


@torch.no_grad()
def encode(clips):
    groups = tubelets(to_video(clips))  # [N, T, 4, 3, 72, 128]
    n, t = groups.shape[:2]
    with mixed_precision():
        z = vae.encoder(groups.reshape(n * t, 12, 72, 128)).float()
    return z.reshape(n, t, *z.shape[1:]).permute(0, 2, 1, 3, 4).contiguous()  # [N, C, T, 9, 16]


def object_mask(clips, background):
    """[N, T, 4, 72, 128] 1 on and around the object's pixels in each latent frame's 4 video frames."""
    diff = (to_video(clips) - to_video(background.unsqueeze(1))).abs().amax(dim=2)  # [N, F, 72, 128]
    groups = tubelets(diff.unsqueeze(2))[:, :, :, 0]  # [N, T, 4, 72, 128]
    near = torch.nn.functional.max_pool2d((groups > 0.05).float().flatten(0, 1), 5, 1, 2)  # edges and a rim
    return near.reshape(groups.shape)


def pixel_loss(x0, x0_hat, sigma, cells, mask):
    """Squared error of the decoded x0_hat against the decoded true latents (the decoder's own picture, so the
    DiT is not asked for detail the decoder cannot draw) over the object's pixels, in the latent frame that holds
    most of the object, for the first `--pixel-clips` clips; weighted by 1 - sigma (at high noise the clip's
    content is still open, and a blurred estimate is the right one)."""
    k = min(args.pixel_clips, x0.shape[0])
    first = cells[:k, 0].flatten(2).sum(dim=2).argmax(dim=1)  # [k] the latent frame with most object cells
    dec = vae.decoder
    with mixed_precision():
        with torch.no_grad():
            want = dec.render(dec.chunk_features((x0[:k] / scaling).permute(0, 2, 1, 3, 4), first, 1), 72, 128)
        got = dec.render(dec.chunk_features((x0_hat[:k] / scaling).permute(0, 2, 1, 3, 4), first, 1), 72, 128)
    m = mask[torch.arange(k), first].unsqueeze(2)  # [k, 4, 1, 72, 128]
    w = (1 - sigma[:k]).view(k, 1, 1, 1, 1)
    return ((got.float() - want.float()).pow(2) * m * w).sum() / (m.sum() * 3).clamp(min=1)


if scaling is None:  # latents / scaling_factor has unit variance (diffusers convention, measured once)
    clips = streams[17].batch(32)[1]
    scaling = float(1.0 / encode(clips).std())
    extra['scaling_factor'] = scaling
print('scaling_factor', scaling, flush=True)
empty_ids = None
log = Log('dit')
t_end = time.time() + args.minutes * 60
last_save = time.time()
rng = random.Random(step)
losses = []
pixel_losses = []
pair_losses = []


def pair_loss(v, target, weight, cond_ids):
    """Mean squared difference of the twins' velocity errors over the pairs whose prompts both survived caption
    dropout (a dropped pair has one prompt for two clips), weighted as the flow loss is, by the union of the twins'
    object cells. With shared noise, target_a - target_b = x0_b - x0_a: the shapes' difference alone."""
    err = v - target
    d = (err[0::2] - err[1::2]).pow(2)
    w = torch.ones_like(d) if weight is None else torch.maximum(weight[0::2], weight[1::2])
    prompted = (cond_ids != empty_ids[None]).any(dim=1)  # [N] the prompt survived dropout
    kept = (prompted[0::2] & prompted[1::2]).float().view(-1, *([1] * (d.dim() - 1)))
    return (w * kept * d).sum() / (w * kept).sum().clamp(min=1e-6)


def lr_decay():
    if args.decay <= 0:
        return 1.0
    left = max(0.0, t_end - time.time()) / (args.minutes * 60)  # 1 at the start, 0 at the end
    return 0.1 + 0.9 * min(1.0, left / args.decay)


while time.time() < t_end:
    frames, n, _ = rng.choices(LENGTHS, weights=[w for *_, w in LENGTHS])[0]
    batch = streams[frames].batch(n)
    ids, clips = batch[0], batch[1]
    x0 = encode(clips) * scaling
    # Objects cover a few % of the latent cells, so a plain loss learns the backgrounds and leaves the
    # objects faint: weight the cells that hold one (the VAE had the same problem in pixels).
    cells = object_cells(clips, batch[2]) if need_cells else None
    weight = 1 + args.object_weight * cells if args.object_weight > 0 else None
    object_pixels = object_mask(clips, batch[2]) if args.pixel_weight > 0 else None
    if empty_ids is None:
        empty_ids = ids[0].clone()
        empty_ids[1] = 3  # <s> </s> <pad>... : what the tokenizer makes of an empty prompt
        empty_ids[2:] = 0
    for _ in range(args.reuse):
        cond_ids, sigma, xt, target = flow_batch(x0, ids, empty_ids, high=args.high_sigma, pairs=args.shape_pairs > 0)
        for g in opt.param_groups:
            warm = min(1.0, (step + 1) / 300, (run_steps + 1) / 50 if fresh_opt else 1.0)
            g['lr'] = g['base'] * warm * lr_decay()
        with mixed_precision():
            v = dit(xt, sigma * 1000, text(cond_ids)).float()
        se = (v - target).pow(2)
        flow_loss = se.mean() if weight is None else (weight * se).mean() / weight.mean()
        loss = flow_loss
        if args.shape_pairs > 0:
            pair = pair_loss(v, target, weight, cond_ids)
            pair_losses.append(pair.item())
            loss = loss + args.shape_pairs * pair
        if args.pixel_weight > 0:
            pix = pixel_loss(x0, xt - sigma.view(-1, 1, 1, 1, 1) * v, sigma, cells, object_pixels)
            pixel_losses.append(pix.item())
            loss = loss + args.pixel_weight * pix
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(((ema_text, text), (ema_dit, dit)), step, args.ema)
        step += 1
        run_steps += 1
        extra['samples'] = extra.get('samples', 0) + n
        losses.append(flow_loss.item())  # the flow loss alone, comparable across runs
    if len(losses) >= 48:
        more = {k: sum(a) / len(a) for k, a in (('pixel', pixel_losses), ('pair', pair_losses)) if a}
        log.write(step=step, t=round(time.time() - log.t0), frames=frames, loss=sum(losses) / len(losses),
                  lr=opt.param_groups[0]['lr'], **more)
        losses, pixel_losses, pair_losses = [], [], []
    if time.time() - last_save > 600:
        extra['cpu_hours'] = extra.get('cpu_hours', 0.0) + (time.time() - last_save) * args.threads / 3600
        save('dit', MODULES, opt, step, extra, committed=('ema_text', 'ema_dit'))
        last_save = time.time()
extra['cpu_hours'] = extra.get('cpu_hours', 0.0) + (time.time() - last_save) * args.threads / 3600
save('dit', MODULES, opt, step, extra, committed=('ema_text', 'ema_dit'))
for st in streams.values():
    st.close()
print('done', step, flush=True)
