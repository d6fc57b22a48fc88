"""What the engine's design buys, as ratios on the same machine:

1. embedding reuse: P prompts on one image via `Segmenter` (1 encode) vs
   re-encoding the image for every prompt (what a naive per-prompt loop does);
2. prompt batching: `--prompt-batch` 64 and the device default vs 1 (on CPU,
   big decoder batches spill the caches: the default there is 2);
3. on CUDA: `--batch-size 8` vs 1 images per encoder call, and bf16 vs fp32.

    python benchmarks/bench_segment.py [--model mobilesam] [--prompts 32] [--device cuda]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from common import REPO, benchmark_model, header, sync  # noqa: E402
from samcli.engine.device import resolve_device
from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.io.images import list_images
from samcli.io.prompts.types import Prompt


def boxes(n: int, seed: int = 0) -> list[Prompt]:
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, 400, n), rng.uniform(0, 250, n)
    return [Prompt(box=np.array([a, b, a + rng.uniform(50, 350), b + rng.uniform(50, 250)])) for a, b in zip(x0, y0)]


def run(model, device, jobs, precision: str, batch_size: int = 1, **options) -> float:
    seg = Segmenter(model, SegmentOptions(**options), PipelineOptions(str(device), precision, batch_size))
    list(seg.run(jobs[:1]))  # warm-up
    sync(device)
    t = time.perf_counter()
    results = list(seg.run(jobs))
    sync(device)
    assert all(r.ok for r in results)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mobilesam")
    ap.add_argument("--prompts", type=int, default=32)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = resolve_device(args.device)
    model = benchmark_model(args.model, device)
    refs = list_images(REPO / "sample_data" / "images")
    header(f"segment engine, {args.model}, {args.prompts} box prompts per image", device)

    one = [Job(refs[0], boxes(args.prompts))]
    reused = run(model, device, one, precision="fp32")  # device-default prompt batch
    per_prompt = [Job(refs[0], [p]) for p in boxes(args.prompts)]
    naive = run(model, device, per_prompt, precision="fp32")
    print(f"embedding reuse: {naive / reused:6.1f}x faster than re-encoding per prompt "
          f"({reused:.2f} s vs {naive:.2f} s)")

    unbatched = run(model, device, one, precision="fp32", prompt_batch=1)
    big = run(model, device, one, precision="fp32", prompt_batch=64)
    print(f"prompt batching vs 1 per decoder call: default {unbatched / reused:5.2f}x, 64 per call {unbatched / big:5.2f}x")

    if device.type == "cuda":
        many = [Job(r, boxes(args.prompts, i)) for i, r in enumerate(refs * 4)]
        b1 = run(model, device, many, precision="bf16", batch_size=1)
        b8 = run(model, device, many, precision="bf16", batch_size=8)
        f32 = run(model, device, many, precision="fp32", batch_size=8)
        print(f"image batching (8 vs 1 per encoder call, bf16): {b1 / b8:6.2f}x  ({len(many) / b8:.1f} img/s)")
        print(f"bf16 vs fp32 (batch 8): {f32 / b8:6.2f}x")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
