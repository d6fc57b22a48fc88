"""Memory does not grow with the prompts of an image: `samcli segment` on ONE
generated 640×480 image with N box prompts (default 50,000), the CLI process's
peak RSS (getrusage of the child) against N. Goal: < 2 GiB at 50,000.

The default model is the disc stand-in of tests/fake_models.py: it has SAM's
mask contract (256×256 low-res logits, upscaled through the 1024 prompt frame
to the image), so the engine holds what it holds with SAM, at a fraction of
the decoder's CPU time (a SAM decoder pass is ~30-70 ms per prompt on one CPU
core: 50,000 prompts would take an hour). `--model ID` runs a registered model
with stand-in weights instead (memory does not depend on weight values).

    python benchmarks/bench_prompts_memory.py [--prompts 50000 5000 ...] [--model ID]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from common import REPO, box_prompts  # noqa: E402

W, H = 640, 480
FAKE_MODELS = "tests.fake_models"


def weights_for(model: str, root: Path) -> Path:
    path = root / "weights.pt"
    if model == "disc":
        from tests.fake_models import write_checkpoint

        return write_checkpoint(path)
    from samcli.models import get_spec

    torch.manual_seed(0)
    torch.save(get_spec(model).build().state_dict(), path)
    return path


def peak_rss_mb(model: str, weights: Path, prompts: int, root: Path) -> tuple[float, float, int]:
    """One run in a fresh process → (peak RSS MB, seconds, masks written)."""
    rng = np.random.default_rng(prompts)
    Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(root / "photo.jpg")
    boxes = box_prompts(W, H, prompts, seed=prompts).round(2).tolist()
    (root / "p.json").write_text(json.dumps({"images": [{"file": "photo.jpg",
                                                         "prompts": [{"box": b} for b in boxes]}]}))
    out = root / f"out{prompts}.json"
    cmd = [sys.executable, "-m", "samcli", "segment", str(root / "photo.jpg"), "-p", str(root / "p.json"),
           "-o", str(out), "-q", "--model", model, "--checkpoint", str(weights), "--device", "cpu"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_PLUGINS": FAKE_MODELS}
    started = time.perf_counter()
    # a fresh child per run: RUSAGE_CHILDREN's peak is the largest child's so far, so runs go smallest first
    done = subprocess.run(cmd, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"samcli failed with exit code {done.returncode}")
    masks = len(json.loads(out.read_text())["annotations"])
    out.unlink()
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, seconds, masks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, nargs="+", default=[1000, 50000])
    ap.add_argument("--model", default="disc")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        weights = weights_for(args.model, root)
        for n in sorted(args.prompts):
            peak, seconds, masks = peak_rss_mb(args.model, weights, n, root)
            rows.append((n, peak, seconds, masks))
            print(f"{args.model}, one {W}×{H} image, {n} boxes: {masks} masks, peak RSS {peak:.0f} MB, {seconds:.0f} s",
                  flush=True)
    (n0, p0, _, _), (n1, p1, _, _) = rows[0], rows[-1]
    if n1 > n0:
        print(f"peak RSS ×{p1 / p0:.2f} for ×{n1 / n0:.0f} prompts ({(p1 - p0) / (n1 - n0) * 1024:.1f} KB per prompt)")
    print(f"peak at {n1} prompts: {p1:.0f} MB (goal < 2048)")


if __name__ == "__main__":
    main()
