"""PyTorch vs ONNX Runtime per model, in one process: what `--runtime auto`'s
table (samcli/onnx/engine_runtime.py) comes from.

Per model: both runtimes built from the same weights (the parity fixture's
deterministic file, or stand-in weights), then each shared photo with 8 seeded
boxes goes through `Segmenter.segment` on PyTorch and on ONNX Runtime in turn
(A B A B), for --rounds rounds after a warm-up; printed: the median per-pair
ratio PyTorch / ONNX Runtime (> 1: ONNX Runtime faster), the seconds per photo
of each, and the load time of each (building the PyTorch model and loading its
weights, vs creating the ONNX Runtime sessions from the cached files).

    python benchmarks/bench_runtimes.py [--models mobilesam,edgesam] [--rounds 3] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from common import box_prompts  # noqa: E402
from samcli.bench.weights import weights_file
from samcli.engine.pipeline import PipelineOptions
from samcli.engine.segment import Segmenter
from samcli.io.images import decode_image, list_images
from samcli.io.prompts.types import Prompt
from samcli.models import get_spec
from samcli.onnx.engine_runtime import load_for_runtime, prepare_runtime
from tests.parity import IMAGES_DIR, PARITY_DIR, write_checkpoint

FIXTURE_MODELS = ("mobilesam", "tinysam", "efficientvit-sam-l0", "efficientvit-sam-xl0", "efficientsam-ti",
                  "efficientsam-s", "edgesam", "sam-vit-b")


def weights_for(model_id: str, work: Path) -> Path:
    fixture = get_spec(model_id).parity
    if fixture and (PARITY_DIR / fixture / "keys.json").is_file():
        path = work / f"{fixture}.pt"
        return path if path.is_file() else write_checkpoint(fixture, path)
    return weights_file(model_id)[0]


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(FIXTURE_MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    photos = [(decode_image(ref.path)) for ref in list_images(str(IMAGES_DIR))]
    prompts = [[Prompt(box=b) for b in box_prompts(img.shape[1], img.shape[0], 8, seed=i)]
               for i, img in enumerate(photos)]
    work = Path(tempfile.mkdtemp(prefix="samcli-runtimes-"))
    os.environ.setdefault("SAMCLI_HOME", str(work / "home"))
    print(f"{len(photos)} photos × 8 boxes, {args.threads} threads, torch {torch.__version__}")
    for model_id in args.models.split(","):
        weights = weights_for(model_id, work)
        prepare_runtime(model_id, weights)  # the export is a one-off, not timed
        loads = {"torch": [], "onnxruntime": []}
        segmenters = {}
        for _ in range(2):
            for runtime in loads:
                seconds, model = timed(lambda: load_for_runtime(model_id, weights, runtime))
                loads[runtime].append(seconds)
                segmenters[runtime] = Segmenter(model, pipeline=PipelineOptions("cpu"))
        for runtime, seg in segmenters.items():  # warm-up
            seg.segment(photos[0], prompts[0])
        ratios, per_photo = [], {"torch": [], "onnxruntime": []}
        for _ in range(args.rounds):
            for image, boxes in zip(photos, prompts):
                t_torch, _ = timed(lambda: segmenters["torch"].segment(image, boxes))
                t_ort, _ = timed(lambda: segmenters["onnxruntime"].segment(image, boxes))
                ratios.append(t_torch / t_ort)
                per_photo["torch"].append(t_torch)
                per_photo["onnxruntime"].append(t_ort)
        print(f"{model_id:22s} torch/ORT per photo: median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}); s per photo: torch "
              f"{statistics.median(per_photo['torch']):.3f}, ORT {statistics.median(per_photo['onnxruntime']):.3f}; "
              f"load s: torch {min(loads['torch']):.2f}, ORT {min(loads['onnxruntime']):.2f}", flush=True)


if __name__ == "__main__":
    main()
