"""Seconds per stage, summed over calls, for `--stats` and `samcli bench`.

Stages: read (file → RGB), preprocess (resize for the encoder), encode,
decode (prompts through the mask decoder), postprocess (upscale, filters,
RLE). On CUDA a stage ends with a synchronize so its kernels are counted in
it: one sync per stage and batch, never per prompt.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any


class StageTimes:
    def __init__(self, device: Any = None) -> None:  # a torch.device, or None (no wait)
        self.device = device
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.device is not None and self.device.type == "cuda":
                import torch

                torch.cuda.synchronize(self.device)
            self.seconds[stage] += time.perf_counter() - start

    def as_dict(self, share: int = 1) -> dict[str, float]:
        """Rounded seconds; `share`: divide among that many images of a batch."""
        return {k: round(v / share, 4) for k, v in self.seconds.items()}


def add_times(stats: dict, times: dict[str, float]) -> None:
    """Merge seconds into `stats["time_s"]`, adding to stages already there."""
    total = stats.setdefault("time_s", {})
    for stage, seconds in times.items():
        total[stage] = round(total.get(stage, 0.0) + seconds, 4)
