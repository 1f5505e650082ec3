"""Checkpoints and logging shared by the training scripts."""
import os
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
WEIGHTS = os.path.join(PACKAGE, 'weights')  # committed: bf16 weights only
STATE = os.path.join(PACKAGE, '.train-state')  # ignored: fp32 weights + optimizer, for resuming


def _cpu_has_native_bf16() -> bool:
    """AMX or AVX-512 BF16 in /proc/cpuinfo: without them PyTorch emulates bf16 matmuls, which measured 3.4 GFLOPS
    against 32 GFLOPS in fp32 on an AVX2-only EPYC (session 24), so autocast would make training 10x slower."""
    try:
        flags = open('/proc/cpuinfo').read()
    except OSError:
        return False
    return 'amx_bf16' in flags or 'avx512_bf16' in flags


NATIVE_BF16 = _cpu_has_native_bf16()


def mixed_precision():
    """bf16 autocast where the CPU computes bf16 natively, fp32 elsewhere (PHOSPHENE_BF16=0/1 overrides)."""
    wanted = {'0': False, '1': True}.get(os.environ.get('PHOSPHENE_BF16', ''), NATIVE_BF16)
    return torch.autocast('cpu', dtype=torch.bfloat16, enabled=wanted)


def save(name: str, modules: dict, opt, step: int, extra: dict, committed=None):
    """Writes the resumable fp32 state and the committed bf16 weights of `committed` keys (atomically)."""
    os.makedirs(WEIGHTS, exist_ok=True)
    os.makedirs(STATE, exist_ok=True)
    state = {k: m.state_dict() for k, m in modules.items()}
    full = dict(modules=state, opt=opt.state_dict(), step=step, extra=extra)
    tmp = os.path.join(STATE, f'{name}.pt.tmp')
    torch.save(full, tmp)
    os.replace(tmp, os.path.join(STATE, f'{name}.pt'))
    small = {k: {p: t.to(torch.bfloat16) if t.is_floating_point() else t for p, t in sd.items()}
             for k, sd in state.items() if committed is None or k in committed}
    tmp = os.path.join(WEIGHTS, f'{name}.pt.tmp')
    torch.save(dict(modules=small, step=step, extra=extra), tmp)
    os.replace(tmp, os.path.join(WEIGHTS, f'{name}.pt'))


def load(name: str, modules: dict, opt=None):
    """Resumes from the fp32 state when present, else from the committed bf16 weights; returns (step, extra)."""
    for path, full in ((os.path.join(STATE, f'{name}.pt'), True), (os.path.join(WEIGHTS, f'{name}.pt'), False)):
        if os.path.exists(path):
            ck = torch.load(path, map_location='cpu')
            for k, m in modules.items():
                # The committed file holds only the EMA weights: they seed the raw ones too.
                sd = ck['modules'][k] if full else ck['modules'].get(k) or ck['modules']['ema_' + k]
                missing, unexpected = m.load_state_dict(
                    {p: t.float() if t.is_floating_point() else t for p, t in sd.items()}, strict=False)
                # Blocks added to a trained network (the decoder's `more`, the DiT's GROWN blocks) start as
                # the identity; any other mismatch is a wrong file.
                grown, parts = getattr(m, 'GROWN', ()), ('.more.',) + getattr(m, 'GROWN_PARTS', ())
                if unexpected or any(not p.startswith(grown) and not any(q in p for q in parts) for p in missing):
                    raise RuntimeError(f'{name}/{k}: weights do not fit the model: missing {missing}, unexpected {unexpected}')
                if missing:
                    print(f'{name}/{k}: {len(missing)} tensors of new blocks start as the identity', flush=True)
            if full and opt is not None:
                try:
                    opt.load_state_dict(ck['opt'])
                except ValueError:  # saved by a run that trained other parameters (--freeze-encoder)
                    print(f'{name}: optimizer state does not match these parameters; starting it afresh', flush=True)
            print(f'resumed {name} from {path} at step {ck["step"]}', flush=True)
            return ck['step'], ck.get('extra', {})
    return 0, {}


def load_trained():
    """(vae, text, dit, extra) of the latest run, EMA weights, in eval mode: what sampling, benchmarks and
    LoRA training start from."""
    import json
    from model import TextEncoder, VideoAutoencoder, VideoDiT
    vocab = len(json.load(open(os.path.join(PACKAGE, 'tokenizer.json')))['vocab'])
    vae, text, dit = VideoAutoencoder(), TextEncoder(vocab), VideoDiT()
    load('vae', {'vae': vae})
    step, extra = load('dit', {'ema_text': text, 'ema_dit': dit})
    for m in (vae, text, dit):
        m.eval()
    return vae, text, dit, dict(extra, step=step)


def flow_batch(x0, ids, empty_ids, drop: float = 0.1, high: float = 0.0, pairs: bool = False):
    """One rectified-flow training batch: (prompt ids with `drop` of them emptied for classifier-free
    guidance, sigma [N], x_sigma = (1 - sigma) x0 + sigma noise, target velocity noise - x0). Sigma is a
    logit-normal for the middle, uniform for the ends, and a tenth near 1, where a few-step sampler's
    first step decides what the clip shows; `high` more of the batch is drawn from [0.7, 1], the first two
    steps of the 4-step sampler (a fine-tune on what those steps get wrong). With `pairs`, clips 2i and 2i + 1 are
    twins and share sigma and noise (each prompt is still dropped on its own)."""
    n = x0.shape[0]
    m = n // 2 if pairs else n
    dropped = torch.rand(n) < drop
    cond_ids = torch.where(dropped[:, None], empty_ids[None], ids)
    r = torch.rand(m)
    u = torch.where(r < 0.6, torch.sigmoid(torch.randn(m)), torch.where(r < 0.9, torch.rand(m), 0.95 + 0.05 * torch.rand(m)))
    u = torch.where(torch.rand(m) < high, 0.7 + 0.3 * torch.rand(m), u)
    sigma = u.clamp(1e-3, 1.0)
    noise = torch.randn(m, *x0.shape[1:])
    if pairs:
        sigma, noise = sigma.repeat_interleave(2), noise.repeat_interleave(2, dim=0)
    s = sigma.view(n, *([1] * (x0.dim() - 1)))
    return cond_ids, sigma, (1 - s) * x0 + s * noise, noise - x0


@torch.no_grad()
def ema_update(pairs, step: int, decay: float):
    """EMA of (ema module, trained module) pairs, with the warm-up min(decay, (1 + step) / (10 + step))."""
    d = min(decay, (1 + step) / (10 + step))
    for e, m in pairs:
        for pe, pm in zip(e.parameters(), m.parameters()):
            pe.mul_(d).add_(pm.detach(), alpha=1 - d)


class Log:
    def __init__(self, name: str):
        self.path = os.path.join(PACKAGE, 'train', 'logs', f'{name}.tsv')
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.t0 = time.time()

    def write(self, **fields):
        line = '\t'.join(f'{k}={v:.5g}' if isinstance(v, float) else f'{k}={v}' for k, v in fields.items())
        with open(self.path, 'a') as f:
            f.write(line + '\n')
        print(line, flush=True)
