"""Does the DiT read the shape word? Shape reads ~20 % (chance 12.5 %) while colour reads ~100 %, so this compares
the two words' effect on what the DiT draws:

1. how far the velocity moves when only the shape word changes, against the same for a colour word and a motion word,
   at sigma 1, 0.75, 0.5 and 0.25 (noise around the model's own 4-step sample of the first prompt, so the lower
   sigmas see an object), over the whole clip and over the object's cells;
2. the most attention any head of each text-encoder layer gives the shape word;
3. a PNG grid (`--out`): one row per shape, the first step's x0 estimate (sigma 1) and the 4-step sample, decoded,
   same noise for every row, object crops enlarged.

    python3 shape_words.py [--out /tmp/shapes.png] [--seeds 4]
"""
import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

from common import PACKAGE, load_trained
from probes import text_attention

p = argparse.ArgumentParser()
p.add_argument('--out', default='/tmp/shapes.png')
p.add_argument('--seeds', type=int, default=4)
p.add_argument('--threads', type=int, default=2)
args = p.parse_args()
torch.set_num_threads(args.threads)

vae, text, dit, extra = load_trained()
scaling = extra['scaling_factor']
vocab = json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab']
index = {w: i for i, w in enumerate(vocab)}
world = json.load(open(os.path.join(PACKAGE, '..', 'world', 'world.json')))
SHAPES = world['shapes']


def ids(prompt: str):
    tokens = [index['<s>']] + [index[w] for w in prompt.split()] + [index['</s>']]
    return torch.tensor([tokens + [index['<pad>']] * (32 - len(tokens))])


def prompt(colour='red', shape='circle', motion='still'):
    return f'a {colour} {shape} moving {motion} on a black background'


def sample(states, x, steps=4):
    """Euler over the trailing schedule with shift 1 (the manifest's): sigma 1, 0.75, 0.5, 0.25 -> 0."""
    sig = torch.linspace(1, 0, steps + 1)
    first = None
    for i in range(steps):
        v = dit(x, torch.full((x.shape[0],), float(sig[i]) * 1000), states)
        if i == 0:
            first = x - v
        x = x + (sig[i + 1] - sig[i]) * v
    return first, x


def decode(z):  # [N, C, T, 9, 16] -> [N, T, 3, 72, 128]: each latent frame's first video frame
    f = vae.decoder.render(vae.decoder.clip_features(z / scaling), 72, 128)
    return f.reshape(z.shape[0], z.shape[2], 4, 3, 72, 128)[:, :, 0]


with torch.no_grad():
    n = args.seeds
    noise = torch.randn(n, 16, 5, 9, 16, generator=torch.Generator().manual_seed(0))
    base = text(ids(prompt())).expand(n, -1, -1)
    _, x0 = sample(base, noise.clone())
    # The object's cells: the top tenth of cells by distance from their frame's mean latent (a plain background).
    cell = (x0 - x0.mean(dim=(3, 4), keepdim=True)).pow(2).sum(dim=1, keepdim=True)  # [n, 1, T, 9, 16]
    mask = (cell > cell.flatten(2).quantile(0.9, dim=2).view(n, 1, 1, 1, 1)).float()
    pairs = {
        'shape': [(prompt(shape=a), prompt(shape=b)) for a, b in
                  (('circle', 'square'), ('triangle', 'star'), ('circle', 'ring'), ('heart', 'diamond'), ('square', 'cross'))],
        'colour': [(prompt(colour=a), prompt(colour=b)) for a, b in (('red', 'blue'), ('green', 'yellow'), ('pink', 'cyan'))],
        'motion': [(prompt(motion=a), prompt(motion=b)) for a, b in (('left', 'right'), ('up', 'still'))],
    }
    for sigma in (1.0, 0.75, 0.5, 0.25):
        xt = (1 - sigma) * x0 + sigma * noise
        t = torch.full((n,), sigma * 1000)
        row = []
        for kind, ps in pairs.items():
            whole, obj = [], []
            for a, b in ps:
                d = dit(xt, t, text(ids(a)).expand(n, -1, -1)) - dit(xt, t, text(ids(b)).expand(n, -1, -1))
                whole.append(d.pow(2).mean().sqrt().item())
                obj.append(((d.pow(2) * mask).sum() / (mask.sum() * 16)).sqrt().item())
            row.append(f'{kind} {np.mean(whole):.3f} (object {np.mean(obj):.3f})')
        print(f'sigma {sigma:4.2f} rms |v(a) - v(b)|: ' + ', '.join(row), flush=True)

    for word, pos in (('circle', 3), ('star', 3), ('red', 2)):
        seen = text_attention(text, ids(prompt(shape=word) if pos == 3 else prompt(colour=word)))
        print(f'text encoder attention on "{word}": ' + ', '.join(f'layer {i} {w[pos]:.2f}' for i, w in enumerate(seen)))

    # The grid: per shape, sigma-1 estimate and the 4-step sample of seed 0, latent frame 2, 2x enlarged.
    rows = []
    for shape in SHAPES:
        first, final = sample(text(ids(prompt(shape=shape))), noise[:1].clone())
        a, b = decode(first)[0, 2], decode(final)[0, 2]
        rows.append(torch.cat([a, b], dim=2))
    img = torch.cat(rows, dim=1).clamp(-1, 1)
    img = torch.nn.functional.interpolate(img[None], scale_factor=2, mode='nearest')[0]
    Image.fromarray(((img.permute(1, 2, 0).numpy() + 1) * 127.5).astype(np.uint8)).save(args.out)
    print('grid', args.out, '(rows:', ', '.join(SHAPES) + '; columns: sigma-1 estimate, 4-step sample)')
