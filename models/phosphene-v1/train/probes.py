"""Shared pieces of the diagnostic scripts (`first_step_paths.py`, `shape_words.py`)."""
import torch

import model


@torch.no_grad()
def text_attention(text, ids):
    """Runs the text encoder on `ids` ([1, 32]) and returns, per layer, the most attention any head gives each token
    ([32], averaged over the queries): a word no head attends to stays in its own token, and a softmax weight near
    0 gets almost no gradient, so training alone does not move it."""
    seen = []
    plain = model.attention

    def spy(q, k, v, heads):
        n, lq, dim = q.shape
        hd = dim // heads
        qq = q.reshape(n, lq, heads, hd).transpose(1, 2)
        kk = k.reshape(n, k.shape[1], heads, hd).transpose(1, 2)
        seen.append(torch.softmax(qq @ kk.transpose(-1, -2) * hd ** -0.5, dim=-1).mean(dim=2).amax(dim=1)[0])
        return plain(q, k, v, heads)

    model.attention = spy
    try:
        text(ids)
    finally:
        model.attention = plain
    return seen
