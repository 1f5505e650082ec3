"""Where the sampler's first step puts the object, per motion word: the DiT's x0 prediction at sigma 1 (pure
noise), decoded, and the object's centre per latent frame. At 4 steps this first prediction fixes the path the
other three refine, so a motion word the DiT does not read here comes out in a direction the noise picks.

Session 28 found that for "up" and "down" the first step drew the object still at the centre (left and right
drew the full path); on 64 prompts the evaluator read up/down right 4 times in 20, left/right/still always. Per motion,
it prints the mean centre (x, y in base pixels of 128x72) per latent frame over `--seeds` noises, and the seeds
whose path runs the asked way by at least a quarter of the truth's travel; then why: how far the DiT's velocity
at sigma 1 moves between two motion words, and the most attention any head of the text encoder's two layers
gives the motion word (a word no head attends to stays in its own token, and a softmax weight near 0 gets
almost no gradient, so training alone does not move it); and, per DiT block, how far its `pool` output (session 29) moves
between two motion words.

    python3 first_step_paths.py [--seeds 8] [--raw]
"""
import argparse
import json
import os

import torch

from common import PACKAGE, STATE, load_trained
from probes import text_attention

p = argparse.ArgumentParser()
p.add_argument('--seeds', type=int, default=8)
p.add_argument('--raw', action='store_true', help='the trained weights of the resumable state, not the EMA')
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)

vae, text, dit, extra = load_trained()
if args.raw:
    ck = torch.load(os.path.join(STATE, 'dit.pt'), map_location='cpu')['modules']
    text.load_state_dict(ck['text'])
    dit.load_state_dict(ck['dit'])
scaling = extra['scaling_factor']
vocab = json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab']
index = {w: i for i, w in enumerate(vocab)}


def ids(prompt: str):
    tokens = [index['<s>']] + [index[w] for w in prompt.split()] + [index['</s>']]
    return torch.tensor([tokens + [index['<pad>']] * (32 - len(tokens))])


# The truth's travel in base pixels over the clip (render.ts: a third of the frame along the motion's axis).
MOTIONS = {'left': (-128 / 3, 0), 'right': (128 / 3, 0), 'up': (0, -72 / 3), 'down': (0, 72 / 3)}
ys = torch.arange(72).float().view(1, 72, 1)
xs = torch.arange(128).float().view(1, 1, 128)
with torch.no_grad():
    for motion, (tx, ty) in MOTIONS.items():
        paths, right = [], 0
        for seed in range(args.seeds):
            colour = ['red', 'blue', 'yellow', 'green'][seed % 4]
            states = text(ids(f'a {colour} circle moving {motion} on a black background'))
            x = torch.randn(1, 16, 5, 9, 16, generator=torch.Generator().manual_seed(seed))
            x0 = x - dit(x, torch.tensor([1000.0]), states)
            frames = vae.decoder.render(vae.decoder.clip_features(x0 / scaling), 72, 128).reshape(5, 4, 3, 72, 128)
            ink = (frames[:, 0] + 1).sum(1)  # brightness over black: the object
            ink = ink * (ink > 0.5 * ink.flatten(1).amax(1).view(5, 1, 1))
            w = ink.sum((1, 2)).clamp(min=1e-6)
            cx, cy = (ink * xs).sum((1, 2)) / w, (ink * ys).sum((1, 2)) / w
            paths.append(torch.stack([cx, cy]))
            travel = (cx[-1] - cx[0]) * tx + (cy[-1] - cy[0]) * ty  # along the asked direction
            right += int(travel > 0.25 * (tx * tx + ty * ty))
        mean = torch.stack(paths).mean(0)
        print(f'{motion:5s} x ' + ' '.join(f'{v:5.1f}' for v in mean[0].tolist()) + '  y ' +
              ' '.join(f'{v:5.1f}' for v in mean[1].tolist()) + f'  asked way: {right}/{args.seeds}', flush=True)

    # How far the velocity at sigma 1 (and 0.75) moves when only the motion word changes, over 4 noises.
    x = torch.randn(4, 16, 5, 9, 16, generator=torch.Generator().manual_seed(0))
    velocity = {}
    for motion in ('up', 'down', 'left', 'right', 'still'):
        states = text(ids(f'a red circle moving {motion} on a black background')).expand(4, -1, -1)
        for sigma in (1.0, 0.75):
            velocity[motion, sigma] = dit(x, torch.full((4,), sigma * 1000), states)
    for sigma in (1.0, 0.75):
        print(f'sigma {sigma}: |v(a) - v(b)| ' + ', '.join(
            f'{a}-{b} {(velocity[a, sigma] - velocity[b, sigma]).norm():.1f}'
            for a, b in (('up', 'down'), ('left', 'right'), ('up', 'still'), ('left', 'still'))), flush=True)

    # The most attention any head of each text-encoder layer gives the motion word (position 5 of the prompt).
    for motion in ('up', 'down', 'left', 'right'):
        seen = text_attention(text, ids(f'a red circle moving {motion} on a black background'))
        print(f'text encoder attention on "{motion}": ' + ', '.join(f'layer {i} {w[5]:.2f}' for i, w in enumerate(seen)))

    # Each DiT block's `pool` (session 29): how far its output (the block's adaLN input) moves between two motion
    # words.
    pooled = {m: dit.standardised_text(dit.text_proj(text(ids(f'a red circle moving {m} on a black background'))))
              for m in ('up', 'down', 'left', 'right')}
    for a, b in (('up', 'down'), ('left', 'right')):
        print(f'pool |out(a) - out(b)| {a}-{b} per block: ' + ' '.join(
            f'{(block.pool(pooled[a]) - block.pool(pooled[b])).norm():.2f}' for block in dit.blocks) +
            f'  (standardised text {(pooled[a] - pooled[b]).norm():.2f})')
