"""Clips from the world's TypeScript renderer (`clip-stream.ts`), read from a child process's stdout."""
import os
import queue
import subprocess
import threading

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
MAX_LENGTH = 32


class ClipStream:
    """An endless, seeded stream of (token ids [32] int64, clip [F, H, W, 3] uint8) from the renderer."""

    def __init__(self, width: int, height: int, frames: int, seed: int, split: str = 'train', prefetch: int = 48,
                 background: bool = False, recolor: str | None = None, motions: str | None = None,
                 motion_share: float = 0.5, pairs: bool = False):
        self.shape = (frames, height, width, 3)
        self.background = background
        self.record = MAX_LENGTH * 4 + (frames + int(background)) * height * width * 3
        cmd = [os.path.join(ROOT, 'node_modules', '.bin', 'tsx'), os.path.join(os.path.dirname(__file__), 'clip-stream.ts'),
               '--width', str(width), '--height', str(height), '--frames', str(frames), '--seed', str(seed), '--split', split] + (['--background'] if background else []) + (['--recolor', recolor] if recolor else []) + (['--motions', motions, '--motion-share', str(motion_share)] if motions else []) + (['--pairs'] if pairs else [])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, bufsize=1 << 22)
        # A reader thread keeps records coming while the trainer computes: without it the renderer
        # stalls on the full 64 KiB pipe and rendering and training take turns instead of overlapping.
        self.records: queue.Queue = queue.Queue(maxsize=prefetch)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = self.proc.stdout.read(self.record)
            self.records.put(data if len(data) == self.record else None)
            if len(data) != self.record:
                return

    def batch(self, n: int):
        parts = [self.records.get() for _ in range(n)]
        if any(p is None for p in parts):
            raise RuntimeError('the clip stream ended early: run `npm install` and check clip-stream.ts')
        a = np.frombuffer(b''.join(parts), dtype=np.uint8).reshape(n, self.record)
        ids = torch.from_numpy(a[:, : MAX_LENGTH * 4].copy().view(np.int32).astype(np.int64))
        body = torch.from_numpy(a[:, MAX_LENGTH * 4:].copy())
        if self.background:  # the static background comes after the clip, as one more frame
            f, h, w, c = self.shape
            both = body.reshape(n, f + 1, h, w, c)
            return ids, both[:, :f].contiguous(), both[:, f]
        return ids, body.reshape(n, *self.shape)

    def close(self):
        self.proc.kill()


def to_video(clips: torch.Tensor) -> torch.Tensor:
    """[N, F, H, W, 3] uint8 -> [N, F, 3, H, W] float in [-1, 1]."""
    return clips.permute(0, 1, 4, 2, 3).float() / 127.5 - 1.0


def tubelets(video: torch.Tensor) -> torch.Tensor:
    """[N, F, 3, H, W] with F = 1 + 4k -> [N, 1 + k, 4, 3, H, W]: frame 0 repeated, then groups of 4."""
    first = video[:, :1].expand(-1, 4, -1, -1, -1).unsqueeze(1)
    rest = video[:, 1:]
    n, f = rest.shape[:2]
    rest = rest.reshape(n, f // 4, 4, *rest.shape[2:])
    return torch.cat([first, rest], dim=1)
