"""How well the decoder redraws a clip's first frame from the encoder's latents: the part of image-to-video's
first-frame PSNR that the VAE decides (the eval's figure also depends on the neighbour latent frame the DiT
draws). Held-out scenes at 256x144x17, as `npm run eval -- --image_to_video` renders them; PSNR over RGB of
the 8-bit frame, as `models/world/metrics.ts` computes it. Reads the resumable state when there is one.

    python3 probe_first_frame.py [--n 64] [--seed 2026]
"""
import argparse

import torch
import torch.nn.functional as F

from common import load, mixed_precision
from data import ClipStream, to_video, tubelets
from model import VideoAutoencoder

p = argparse.ArgumentParser()
p.add_argument('--n', type=int, default=64)
p.add_argument('--seed', type=int, default=2026)
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)

vae = VideoAutoencoder()
step, _ = load('vae', {'vae': vae})
vae.eval()
stream = ClipStream(256, 144, 17, seed=args.seed, split='heldout')
psnrs = []
with torch.no_grad():
    for _ in range(0, args.n, 8):
        clips = stream.batch(8)[1]  # uint8 [N, 17, H, W, 3]
        groups = tubelets(clips)  # [N, 5, 4, H, W, 3]
        n, t = groups.shape[:2]
        video = to_video(groups.flatten(1, 2))  # [N, 20, 3, H, W]
        x = F.avg_pool2d(video.flatten(0, 1), 2).reshape(n * t, 12, 72, 128)
        with mixed_precision():
            zs = vae.encoder(x).float().reshape(n, t, -1, 9, 16)
            feats = vae.decoder.chunk_features(zs, torch.zeros(n, dtype=torch.long), 1)
            out = vae.decoder.render(feats.float(), 144, 256).float()[:, 0]  # frame 0: [N, 3, H, W]
        drawn = ((out + 1) * 127.5).round().clamp(0, 255)
        truth = clips[:, 0].permute(0, 3, 1, 2).float()
        mse = (drawn - truth).pow(2).flatten(1).mean(1)
        psnrs += (10 * torch.log10(255 ** 2 / mse.clamp(min=1e-10))).tolist()
stream.close()
psnrs = torch.tensor(psnrs[: args.n])
print(f'vae step {step}: first-frame PSNR over {len(psnrs)} held-out clips: mean {psnrs.mean():.2f} dB, '
      f'median {psnrs.median():.2f}, min {psnrs.min():.2f}, max {psnrs.max():.2f}', flush=True)
