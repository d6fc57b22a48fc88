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


def deterministic_model(model_id: str, workdir: Path):
    """→ (model, "parity"): the parity fixture's deterministic weights through the
    real loader where the model has a fixture, else (random-weights model, "random")."""
    from samcli.models import load_model
    from tests.parity import PARITY_DIR, write_checkpoint

    fixture = get_spec(model_id).parity
    if fixture is None or not (PARITY_DIR / fixture / "keys.json").is_file():
        return benchmark_model(model_id, torch.device("cpu")), "random"
    path = write_checkpoint(fixture, workdir / f"{fixture}.pt")
    return load_model(model_id, checkpoint=path, offline=True, progress=False), "parity"


def box_prompts(w: int, h: int, n: int, seed: int) -> np.ndarray:
    """n boxes (x0, y0, x1, y1) in pixels of a w×h image, each 10–50 % of each side."""
    rng = np.random.default_rng(seed)
    bw, bh = rng.uniform(0.1, 0.5, n) * w, rng.uniform(0.1, 0.5, n) * h
    x0, y0 = rng.uniform(0, 1, n) * (w - bw), rng.uniform(0, 1, n) * (h - bh)
    return np.stack([x0, y0, x0 + bw, y0 + bh], axis=1)


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
