"""Per-image counters and stage timers for `--stats`: how many decoder prompts
were evaluated, how many masks survived each filter, and where time went."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from contextlib import contextmanager

import torch

#: what a pass over points counts: prompts decoded, then masks left after each filter
DECODE_STAGES = ("prompts", "decoded", "pred_iou", "stability", "crop_edge")


def new_counts() -> Counter:
    return Counter(dict.fromkeys(DECODE_STAGES, 0))


def summed(*counts: Counter) -> dict[str, int]:
    return {k: sum(c[k] for c in counts) for k in DECODE_STAGES}


class Stats:
    """Wall time per stage (encode, decode, postprocess), summed over calls."""

    def __init__(self, device: torch.device | None = None) -> None:
        self.device = device
        self.times: dict[str, float] = defaultdict(float)

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.device is not None and self.device.type == "cuda":
                torch.cuda.synchronize(self.device)  # async kernels: time their completion
            self.times[stage] += time.perf_counter() - start

    def time_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.times.items()}
