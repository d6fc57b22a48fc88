"""Encoder latency per model at its own input size, and MACs for context.

    python benchmarks/bench_encoders.py [--device cuda] [--models a,b] [--repeat 5]
"""
from __future__ import annotations

import argparse

import torch

from common import benchmark_model, header, sample_image, timeit  # noqa: E402
from samcli.engine.device import autocast, resolve_device, resolve_precision
from samcli.models import all_specs
from samcli.models.complexity import build_on_meta, encoder_macs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="auto")
    ap.add_argument("--models", default="")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args()
    device = resolve_device(args.device)
    dtype = resolve_precision(args.precision, device)
    ids = args.models.split(",") if args.models else [s.id for s in all_specs("promptable") if s.id not in ("sam-vit-h", "edgesam-3x")]
    header(f"encoder latency, batch 1, {dtype}", device)
    image = sample_image()
    rows = []
    for model_id in ids:
        model = benchmark_model(model_id, device)
        x = model.prepare_batch([model.preprocess(image).to(device)])
        with torch.inference_mode(), autocast(device, dtype):
            seconds = timeit(lambda: model.encode(x), device, repeat=args.repeat)
        macs = encoder_macs(build_on_meta(model.spec), model.spec.input_size) / 1e9
        rows.append((model_id, seconds, macs))
        del model
    base = next((s for m, s, _ in rows if m == "sam-vit-b"), rows[0][1])
    print(f"{'model':24s} {'ms':>9s} {'GMACs':>8s} {'speed-up vs sam-vit-b':>22s}")
    for model_id, seconds, macs in rows:
        print(f"{model_id:24s} {seconds * 1e3:9.1f} {macs:8.1f} {base / seconds:21.1f}x")


if __name__ == "__main__":
    main()
