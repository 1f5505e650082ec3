"""Phosphene v1: the built-in video model, defined once here (training and ONNX export use these classes).

- VideoAutoencoder: a tubelet VAE. Each latent frame holds 4 video frames (the first latent frame holds
  frame 0 alone, repeated, which is the causal 1 + 4k layout). Space is compressed 8x from a fixed
  base size whose short side is 72 px, so every preset (256x144 ... 1920x1080) has the same 16x9 latent
  grid; the decoder draws base-size feature maps and a per-pixel head renders them at any output size
  (bilinear features -> 1x1 MLP), which keeps edges sharp where plain upsampled RGB would blur them.
  Each latent frame decodes with its two neighbours as context, and each of its 4 video frames blends the
  decoder's last features of its own latent frame with those of the nearer neighbour (session 9: with
  context alone the decoder still held one picture per latent frame, so motion moved in steps of 4 frames).
  So a decode has two stages: the trunk (latent frame and its neighbours -> features at the base size, once
  per latent frame) and the blend + head (a latent frame's and its neighbours' features -> 4 frames at any
  size, in bands of rows for large frames); the pipeline keeps the features of the frames around the chunk it
  decodes, so memory stays bounded.
- TextEncoder: word embeddings + 2 transformer layers over the 32 token ids.
- VideoDiT: factorised attention per block (spatial within a latent frame, temporal per latent cell,
  cross-attention to the text), adaLN-zero conditioning on the noise level and the pooled text,
  positions as sinusoids of normalised coordinates so any grid and any length share one embedding.

Attention is written by hand (PyTorch 1.13 has no scaled_dot_product_attention). Every attention
projection is a LoraLinear: at export time it takes low-rank factor inputs (run-time LoRA).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT_CHANNELS = 16
BASE_SHORT_SIDE = 72
SPATIAL = 8
TEMPORAL = 4
HEAD_FEATURES = 8
HEAD_HIDDEN = 16  # the per-pixel head's hidden width: its layer is the largest tensor of a decode


def base_size(width: int, height: int) -> tuple[int, int]:
    """The base (encoder/decoder) size of an output size: short side 72, long side a multiple of 8."""
    m = min(width, height)
    bw = max(SPATIAL, round(width * BASE_SHORT_SIDE / m / SPATIAL) * SPATIAL)
    bh = max(SPATIAL, round(height * BASE_SHORT_SIDE / m / SPATIAL) * SPATIAL)
    return bw, bh


class GroupNorm(nn.GroupNorm):
    """GroupNorm computed in fp32 (torch 1.13's CPU autocast cannot run it on bf16 input)."""

    def forward(self, x):
        return F.group_norm(x.float(), self.num_groups, self.weight, self.bias, self.eps)


class ResBlock(nn.Module):
    def __init__(self, ch: int, identity: bool = False):
        super().__init__()
        self.norm1 = GroupNorm(8, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm2 = GroupNorm(8, ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        if identity:  # starts as the identity, so adding it to a trained network changes nothing yet
            nn.init.zeros_(self.conv2.weight)
            nn.init.zeros_(self.conv2.bias)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class Encoder(nn.Module):
    """[N, 12, 72, 128] (4 frames x RGB in [-1, 1]) -> [N, C, 9, 16]."""

    def __init__(self, widths=(32, 64, 96, 128)):
        super().__init__()
        self.conv_in = nn.Conv2d(3 * TEMPORAL, widths[0], 3, padding=1)
        layers = []
        for i, w in enumerate(widths):
            layers.append(ResBlock(w))
            if i + 1 < len(widths):
                layers.append(nn.Conv2d(w, widths[i + 1], 3, stride=2, padding=1))
        self.body = nn.Sequential(*layers)
        self.norm_out = GroupNorm(8, widths[-1])
        self.conv_out = nn.Conv2d(widths[-1], LATENT_CHANNELS, 1)

    def forward(self, x):
        return self.conv_out(F.silu(self.norm_out(self.body(self.conv_in(x)))))


# Extra residual blocks per decoder level (16x9, 32x18, 64x36, 128x72), after each level's first block.
# Session 6 measured the VAE as the limit (held-out reconstructions read shape 33 %, count 67 %), so the
# decoder got deeper; the blocks start as the identity and are trained decoder-only, which keeps the
# encoder, and so the DiT's latent space, unchanged.
DECODER_EXTRA = (2, 2, 1, 1)


class Decoder(nn.Module):
    """Latent frames [9, 16] with their neighbours -> trunk features [W, 72, 128] per latent frame
    (`trunk_window`) -> with the neighbours' features, head features [4 * HEAD_FEATURES, 72, 128]
    (`blend_features`) -> frames at any size (`render_at`)."""

    CONTEXT = 1  # latent frames of context each side, at both stages: the trunk's input and the blend

    def __init__(self, widths=(128, 96, 64, 32), head_hidden=HEAD_HIDDEN, extra=DECODER_EXTRA):
        super().__init__()
        self.more = nn.ModuleList(nn.Sequential(*(ResBlock(w, identity=True) for _ in range(k)))
                                  for w, k in zip(widths, extra))
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, widths[0], 3, padding=1)
        # The previous and next latent frames enter beside the frame itself. Zero-initialised: added to a
        # trained decoder it changes nothing until trained, so the four frames of a latent frame can learn
        # to move between their neighbours instead of drawing their average.
        self.context = nn.Conv2d(2 * LATENT_CHANNELS, widths[0], 3, padding=1)
        nn.init.zeros_(self.context.weight)
        nn.init.zeros_(self.context.bias)
        layers = []
        for i, w in enumerate(widths):
            layers.append(ResBlock(w))
            if i + 1 < len(widths):
                layers.append(nn.Upsample(scale_factor=2.0, mode='nearest'))
                layers.append(nn.Conv2d(w, widths[i + 1], 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.norm_out = GroupNorm(8, widths[-1])
        self.conv_out = nn.Conv2d(widths[-1], TEMPORAL * HEAD_FEATURES, 3, padding=1)
        # How far each of a latent frame's 4 video frames moves its last features toward the nearer
        # neighbour's (frames 0-1 the previous latent frame, 2-3 the next), per channel. Starts at linear
        # interpolation between the latent frames' centres, (|j - 1.5|) / 4, and is trained from there.
        self.blend = nn.Parameter(torch.tensor([0.375, 0.125, 0.125, 0.375]).repeat_interleave(widths[-1])
                                  .reshape(TEMPORAL, widths[-1], 1, 1))
        # The per-pixel head: features interpolated to the output size, then a 1x1 MLP to RGB.
        self.head1 = nn.Conv2d(HEAD_FEATURES, head_hidden, 1)
        self.head2 = nn.Conv2d(head_hidden, 3, 1)

    def trunk(self, z, context):
        """z [N, C, h, w]; context [N, 2C, h, w], the previous and the next latent frame -> the last features
        [N, widths[-1], bh, bw]."""
        x = self.conv_in(z) + self.context(context)
        level = 0
        for layer in self.body:
            x = layer(x)
            if isinstance(layer, ResBlock):  # each level's first block, then its extra ones
                x = self.more[level](x)
                level += 1
        return F.silu(self.norm_out(x))

    def trunk_window(self, zs):
        """zs [N, T + 2, C, h, w]: T latent frames and one of context each side -> the trunk's features
        [N, T, W, bh, bw] of the T. The exported `vae_decoder_trunk` graph; the pipeline runs it once per
        latent frame and keeps the features for the frames around it."""
        n, tp, c, h, w = zs.shape
        t = tp - 2
        context = torch.cat([zs[:, :-2], zs[:, 2:]], dim=2)
        x = self.trunk(zs[:, 1:-1].reshape(n * t, c, h, w), context.reshape(n * t, 2 * c, h, w))
        return x.reshape(n, t, *x.shape[1:])

    def blend_features(self, x):
        """x [N, T + 2, W, bh, bw]: the trunk's features of T latent frames and of one neighbour each side (a
        clip's first and last repeated past its ends) -> head features [N * T, 4 * HF, bh, bw]: each video
        frame's features moved toward the nearer neighbour's. With the clip's first latent frame repeated
        before it, its first video frame is its own features alone: frame 0 (`first_frame: 'first'`)."""
        n, tp = x.shape[:2]
        t = tp - 2
        own, prev, nxt = (a.reshape(n * t, *a.shape[2:]) for a in (x[:, 1:-1], x[:, :-2], x[:, 2:]))
        out = []
        for j in range(TEMPORAL):
            side = prev if j < TEMPORAL // 2 else nxt
            y = own + self.blend[j] * (side - own)
            hf = slice(j * HEAD_FEATURES, (j + 1) * HEAD_FEATURES)
            out.append(F.conv2d(y, self.conv_out.weight[hf], self.conv_out.bias[hf], padding=1))
        return torch.cat(out, dim=1)

    def clip_features(self, z):
        """z [N, C, T, h, w] (whole clips) -> head features [N * T, 4 * HF, bh, bw]: what the pipeline's chunks
        decode to, clip ends repeated at both stages (latents for the trunk's context, features for the blend)."""
        x = self.trunk_window(pad_clip(z.permute(0, 2, 1, 3, 4), 1))
        return self.blend_features(pad_clip(x, 1))

    def chunk_features(self, zs, first, count: int):
        """zs [N, T, C, h, w] (whole clips), first [N] -> head features [N * count, 4 * HF, bh, bw] of latent
        frames [first, first + count) of each clip, computed as the pipeline computes a chunk (training
        decodes a few latent frames of each clip this way instead of the whole clip)."""
        n, t = zs.shape[:2]
        k = (first.view(n, 1) + torch.arange(-1, count + 1).view(1, -1)).clamp(0, t - 1)  # features the blend reads
        lat = (k.unsqueeze(-1) + torch.arange(-1, 2).view(1, 1, 3)).clamp(0, t - 1)  # and their trunk's inputs
        windows = zs[torch.arange(n).view(n, 1, 1), lat]  # [N, count + 2, 3, C, h, w]
        x = self.trunk_window(windows.flatten(0, 1))  # [N * (count + 2), 1, W, bh, bw]
        return self.blend_features(x.reshape(n, count + 2, *x.shape[2:]))

    def render(self, feats, height: int, width: int):
        """[N, 4 * HF, bh, bw] -> [N, 4, 3, height, width]."""
        n, _, bh, bw = feats.shape
        f = feats.reshape(n * TEMPORAL, HEAD_FEATURES, bh, bw)
        f = F.interpolate(f, size=(height, width), mode='bilinear', align_corners=False)
        return self.head(f).reshape(n, TEMPORAL, 3, height, width)

    def render_at(self, feats, rows, cols):
        """[N, 4 * HF, bh, bw] -> [N, 4, 3, len(rows), len(cols)], sampling the features at the given
        source coordinates (`source_coordinates`). What the ONNX export runs: a caller can render any band
        of rows, so no tensor of a large frame has to exist at once (a WebGPU binding holds 128 MiB)."""
        n, _, bh, bw = feats.shape
        f = feats.reshape(n * TEMPORAL, HEAD_FEATURES, bh, bw)
        f = lerp_gather(lerp_gather(f, rows, 2), cols, 3)
        return self.head(f).reshape(n, TEMPORAL, 3, rows.shape[0], cols.shape[0])

    def head(self, f):
        return self.head2(F.silu(self.head1(f)))


def pad_clip(zs, k: int):
    """[N, T, C, h, w] latent frames of whole clips -> [N, T + 2k, ...], the first and last repeated k times
    (what the pipeline feeds the exported decoder at a clip's ends)."""
    return torch.cat([zs[:, :1]] * k + [zs] + [zs[:, -1:]] * k, dim=1)


def source_coordinates(out_size: int, in_size: int):
    """Where each of `out_size` output pixels samples an axis of `in_size` (F.interpolate's bilinear rule with
    align_corners=False: (i + 0.5) * in / out - 0.5, negatives clamped to 0)."""
    return ((torch.arange(out_size, dtype=torch.float32) + 0.5) * (in_size / out_size) - 0.5).clamp(min=0.0)


def lerp_gather(x, coords, dim: int):
    """Linear interpolation of `x` along `dim` at fractional `coords` (as F.interpolate: the upper
    neighbour is clamped to the last index). Gather + lerp only, which every ONNX Runtime provider runs."""
    size = x.shape[dim]
    c = coords.clamp(min=0.0)
    lo = torch.floor(c).clamp(max=size - 1)
    frac = c - lo
    lo_i = lo.long()
    hi_i = (lo_i + 1).clamp(max=size - 1)
    a = torch.index_select(x, dim, lo_i)
    b = torch.index_select(x, dim, hi_i)
    shape = [1] * x.dim()
    shape[dim] = coords.shape[0]
    return a + (b - a) * frac.reshape(shape)


class VideoAutoencoder(nn.Module):
    # Added after training began: loaded weights may lack them (the context conv starts at zero, the blend at
    # linear interpolation).
    GROWN = ('decoder.context.', 'decoder.blend')

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()


def attention(q, k, v, heads: int):
    """softmax(q k^T / sqrt(d)) v over [N, L, D] tensors split into `heads`."""
    n, lq, dim = q.shape
    lk = k.shape[1]
    hd = dim // heads
    q = q.reshape(n, lq, heads, hd).transpose(1, 2)
    k = k.reshape(n, lk, heads, hd).transpose(1, 2)
    v = v.reshape(n, lk, heads, hd).transpose(1, 2)
    w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5), dim=-1)
    return torch.matmul(w, v).transpose(1, 2).reshape(n, lq, dim)


class LoraLinear(nn.Linear):
    """nn.Linear plus optional run-time low-rank factors: y = x W^T + b + (x down) up."""

    lora = None  # (down [in, r], up [r, out]) while exporting or applying a LoRA

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        if self.lora is not None:
            down, up = self.lora
            y = y + torch.matmul(torch.matmul(x, down), up)
        return y


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        cdim = context_dim or dim
        self.to_q = LoraLinear(dim, dim)
        self.to_k = LoraLinear(cdim, dim)
        self.to_v = LoraLinear(cdim, dim)
        self.to_out = LoraLinear(dim, dim)

    def forward(self, x, context=None):
        c = x if context is None else context
        return self.to_out(attention(self.to_q(x), self.to_k(c), self.to_v(c), self.heads))


class TextEncoder(nn.Module):
    # Session 29 added `words` (zero-initialised): a checkpoint without it starts it at zero.
    GROWN = ('words.',)

    def __init__(self, vocab: int, max_length: int = 32, dim: int = 128, layers: int = 2, heads: int = 4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        # A bag of words added to every token's output state: each word's own learned vector, summed over the
        # prompt (session 29). Session 28 found "up"/"down" left in their own token by both layers, where the DiT
        # reads them at most 0.12, so no route carried them; summed, a word's vector reaches every token and the
        # DiT's pooled text whole, and its gradient is that word's alone. Zero-initialised (the pad's stays zero):
        # added to a trained encoder it changes nothing until trained.
        self.words = nn.Embedding(vocab, dim, padding_idx=0)
        nn.init.zeros_(self.words.weight)
        self.pos = nn.Parameter(torch.randn(max_length, dim) * 0.02)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(nn.ModuleDict(dict(
                norm1=nn.LayerNorm(dim), attn=Attention(dim, heads),
                norm2=nn.LayerNorm(dim), mlp=nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim)))))
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids):
        x = self.embed(ids) + self.pos[: ids.shape[1]]
        for layer in self.layers:
            x = x + layer['attn'](layer['norm1'](x))
            x = x + layer['mlp'](layer['norm2'](x))
        return self.norm(x) + self.words(ids).sum(dim=1, keepdim=True)


def sinusoid(x, dim: int, max_period: float = 10000.0):
    """[...] -> [..., dim] sin/cos features."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=x.device) / half)
    a = x.float().unsqueeze(-1) * freqs
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def grid_positions(t: int, h: int, w: int, dim: int, device):
    """[t*h*w, dim] embedding of normalised (time, y, x): any grid size and length share it."""
    third = dim // 4 // 2 * 2  # time gets a quarter, y and x share the rest (all even)
    ty = (dim - third) // 4 * 2
    tx = dim - third - ty
    tt = torch.arange(t, dtype=torch.float32, device=device)
    # t / (t - 1) as tensor ops (a Python max() would be frozen into the ONNX graph at the export's length).
    tt = tt / tt.max().clamp(min=1.0)
    yy = (torch.arange(h, dtype=torch.float32, device=device) + 0.5) / h
    xx = (torch.arange(w, dtype=torch.float32, device=device) + 0.5) / w
    et = sinusoid(tt * 64.0, third, 256.0)[:, None, None, :].expand(t, h, w, third)
    ey = sinusoid(yy * 64.0, ty, 256.0)[None, :, None, :].expand(t, h, w, ty)
    ex = sinusoid(xx * 64.0, tx, 256.0)[None, None, :, :].expand(t, h, w, tx)
    return torch.cat([et, ey, ex], dim=-1).reshape(t * h * w, dim)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class DiTBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        # The standardised pooled text (`VideoDiT.standardised_text`) into this block's adaLN input; zero-initialised,
        # so added to a trained DiT it changes nothing until trained (session 29).
        self.pool = nn.Linear(dim, dim)
        nn.init.zeros_(self.pool.weight)
        nn.init.zeros_(self.pool.bias)
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=True)
        self.attn_spatial = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.attn_temporal = Attention(dim, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.attn_cross = Attention(dim, heads)
        self.norm4 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.ada = nn.Linear(dim, 10 * dim)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x, text, cond, t: int, s: int, pooled):
        b, _, d = x.shape
        sh1, sc1, g1, sh2, sc2, g2, g3, sh4, sc4, g4 = self.ada(F.silu(cond + self.pool(pooled))).chunk(10, dim=-1)
        h = modulate(self.norm1(x), sh1, sc1).reshape(b * t, s, d)
        x = x + g1.unsqueeze(1) * self.attn_spatial(h).reshape(b, t * s, d)
        h = modulate(self.norm2(x), sh2, sc2).reshape(b, t, s, d).transpose(1, 2).reshape(b * s, t, d)
        h = self.attn_temporal(h).reshape(b, s, t, d).transpose(1, 2).reshape(b, t * s, d)
        x = x + g2.unsqueeze(1) * h
        x = x + g3.unsqueeze(1) * self.attn_cross(self.norm3(x), text)
        x = x + g4.unsqueeze(1) * self.mlp(modulate(self.norm4(x), sh4, sc4))
        return x


class VideoDiT(nn.Module):
    """(latents [B, C, T, h, w], timestep [B] = sigma * 1000, text [B, L, D]) -> velocity (noise - x0)."""

    # Session 7 grew the trained 6-block network to 8: blocks 6 and 7 start as the identity (adaLN-zero
    # gates are 0), so training resumes from the trained model's output with more capacity.
    GROWN = ('blocks.6.', 'blocks.7.')
    # Session 29 gave every block a zero-initialised `pool` and the DiT the statistics of the pooled text: a
    # checkpoint without them starts them at zero and at (0, 1) (`calibrate_text` sets the statistics).
    GROWN_PARTS = ('.pool.', 'text_mean', 'text_inv_std')

    def __init__(self, dim: int = 128, depth: int = 8, heads: int = 4, text_dim: int = 128):
        super().__init__()
        self.dim = dim
        self.proj_in = nn.Linear(LATENT_CHANNELS, dim)
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.text_proj = nn.Linear(text_dim, dim)
        self.pool_proj = nn.Linear(text_dim, dim)
        # The mean over tokens of text_proj(text), standardised per channel by its mean and spread over training
        # prompts (session 29). Session 28 found "up"/"down" read by nothing: the cross-attention reads their token
        # at most 0.12, and in the plain mean (`pool_proj`) the word's difference is 1/32 of the vector (the prompt
        # is padded to 32 tokens) beside a large part every prompt shares, so a linear layer's gradient on it is
        # mostly that shared part. Standardised, the shared part is gone and each channel's spread over prompts is
        # 1, which is what a linear layer learns from fastest. A learned query's softmax (uniform for 180 steps), a
        # max over tokens ("down" won no channel) and a plain sum (loss 0.12 -> 0.5) were tried first.
        self.register_buffer('text_mean', torch.zeros(dim))
        self.register_buffer('text_inv_std', torch.ones(dim))
        self.blocks = nn.ModuleList([DiTBlock(dim, heads) for _ in range(depth)])
        self.norm_out = nn.LayerNorm(dim)
        self.ada_out = nn.Linear(dim, 2 * dim)
        self.proj_out = nn.Linear(dim, LATENT_CHANNELS)
        for m in (self.ada_out, self.proj_out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, latents, timestep, text):
        b, c, t, h, w = latents.shape
        s = h * w
        x = latents.permute(0, 2, 3, 4, 1).reshape(b, t * s, c)
        x = self.proj_in(x) + grid_positions(t, h, w, self.dim, latents.device).unsqueeze(0)
        cond = self.time_mlp(sinusoid(timestep, self.dim)) + self.pool_proj(text.mean(dim=1))
        ctx = self.text_proj(text)
        pooled = self.standardised_text(ctx)
        for block in self.blocks:
            x = block(x, ctx, cond, t, s, pooled)
        shift, scale = self.ada_out(F.silu(cond)).chunk(2, dim=-1)
        x = self.proj_out(modulate(self.norm_out(x), shift, scale))
        return x.reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3)

    def standardised_text(self, ctx):
        """[B, L, D] text_proj'd states -> [B, D]: their mean over tokens, standardised per channel."""
        return (ctx.mean(dim=1) - self.text_mean) * self.text_inv_std

    @torch.no_grad()
    def calibrate_text(self, text):
        """Sets the statistics of the pooled text from encoder states of many prompts ([N, L, D])."""
        pooled = self.text_proj(text).mean(dim=1)
        self.text_mean.copy_(pooled.mean(dim=0))
        self.text_inv_std.copy_(1.0 / pooled.std(dim=0).clamp(min=1e-3))


def lora_layers(dit: VideoDiT):
    """(name, LoraLinear) for every attention projection, in a fixed order (the LoRA contract)."""
    out = []
    for i, block in enumerate(dit.blocks):
        for attn in ('attn_spatial', 'attn_temporal', 'attn_cross'):
            for proj in ('to_q', 'to_k', 'to_v', 'to_out'):
                out.append((f'blocks.{i}.{attn}.{proj}', getattr(getattr(block, attn), proj)))
    return out


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
