"""Shared benchmark plumbing. Released weights can't be downloaded here, and
speed does not depend on weight values, so models get random weights pushed
through the real loader (so BatchNorm folding etc. happen as in production)."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from samcli.models import get_spec  # noqa: E402
from samcli.models.checkpoint import apply_state_dict  # noqa: E402


def benchmark_model(model_id: str, device: torch.device):
    spec = get_spec(model_id)
    model = spec.build()
    apply_state_dict(model, model.state_dict(), source="random weights")
    model.spec = spec
    return model.eval().requires_grad_(False).to(device)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timeit(fn, device: torch.device, repeat: int = 5, warmup: int = 1) -> float:
    """Median seconds of `fn()`."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def sample_image(name: str = "dog.jpg") -> np.ndarray:
    from samcli.io.images import decode_image

    return decode_image(REPO / "sample_data" / "images" / name)


def header(title: str, device: torch.device) -> None:
    print(f"\n== {title}  [device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads]")
