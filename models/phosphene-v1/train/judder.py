"""Diagnostic: does the decoder move objects between latent frames, or hold a picture for 4 frames and jump?
Encodes held-out clips, decodes them (`Decoder.clip_features`, as the pipeline does) and prints the mean
|change| per frame step (0-255) inside a latent frame's 4 frames and at the seams between latent frames,
beside the truth's, and the reconstruction PSNR. Usage: judder.py [--n 16] [--no-blend]"""
import argparse

import torch
import torch.nn.functional as F

from common import load_trained
from data import ClipStream, to_video, tubelets

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=16)
p.add_argument('--no-blend', action='store_true', help='zero the blend toward the neighbours (the old decoder)')
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)

vae, _, _, _ = load_trained()
if args.no_blend:
    vae.decoder.blend.data.zero_()
stream = ClipStream(256, 144, 17, seed=77, split='heldout')
_, clips = stream.batch(args.n)[:2]
stream.close()

with torch.no_grad():
    video = to_video(clips)  # [N, 17, 3, 144, 256]
    g = tubelets(F.avg_pool2d(video.flatten(0, 1), 2).reshape(*video.shape[:3], 72, 128))
    n, t = g.shape[:2]
    z = vae.encoder(g.reshape(n * t, 12, 72, 128)).reshape(n, t, 16, 9, 16).permute(0, 2, 1, 3, 4)
    f = vae.decoder.render(vae.decoder.clip_features(z), 144, 256).reshape(n, t, 4, 3, 144, 256)
    recon = torch.cat([f[:, :1, :1].flatten(1, 2), f[:, 1:].flatten(1, 2)], dim=1).clamp(-1, 1)


def steps(v):
    """Mean |change| (0-255) of each frame step 0->1 ... 15->16, over clips and pixels."""
    return ((v[:, 1:] - v[:, :-1]).abs().mean(dim=(0, 2, 3, 4)) * 127.5).tolist()


seams = [0, 4, 8, 12]  # steps 0->1, 4->5, 8->9, 12->13 cross from one latent frame to the next
for name, v in (('truth', video), ('decoded', recon)):
    s = steps(v)
    inside = [x for i, x in enumerate(s) if i not in seams]
    print(f'{name:8s} inside {sum(inside) / len(inside):.2f}  seams {sum(s[i] for i in seams) / len(seams):.2f}  '
          f'per step {" ".join(f"{x:.2f}" for x in s)}')
mse = (recon - video).pow(2).mean()
print(f'psnr {10 * torch.log10(4.0 / mse).item():.2f} dB')
