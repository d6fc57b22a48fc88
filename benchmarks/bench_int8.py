"""int8 (`quantize_int8`) vs float32 on the CPU, for every promptable model.

Weights: the parity fixture's deterministic weights where the model has one,
else random weights through the loader. Per model: encoder + decoder seconds
per image (8 box prompts in one decoder call; float32 and int8 interleaved,
median of --repeat on the first image), and agreement of the chosen masks at
the original size (the model's own `auto` mask choice) with float32 over the
shared images: mean and worst IoU.

    python benchmarks/bench_int8.py [--models mobilesam,edgesam] [--images 5] [--repeat 3]

With deterministic (random-like) weights the masks are noise-like patterns, so
the agreement measures how far int8 moves the outputs, not task accuracy.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from common import box_prompts, deterministic_model, header  # noqa: E402
from samcli.engine.prompt_batch import PromptRef, to_tensors
from samcli.io.images import decode_image, list_images
from samcli.io.prompts.types import Prompt
from samcli.models import all_specs
from samcli.models.quantize import quantize_int8
from tests.parity import IMAGES_DIR, mask_iou

SLOW = ("sam-vit-l", "sam-vit-h", "edgesam-3x")  # same code as a listed model, far slower or same speed


class Inputs:
    """One image's encoder input and box prompts, prepared once (same for both models)."""

    def __init__(self, model, image: np.ndarray, boxes: np.ndarray) -> None:
        self.geom = model.geometry(image.shape[:2])
        self.x = model.prepare_batch([model.preprocess(image)])
        self.prompts = to_tensors([PromptRef(0, k, Prompt(box=b)) for k, b in enumerate(boxes)], [self.geom])


def networks(model, inputs: Inputs):
    """The timed part: encoder + decoder."""
    return model.decode(model.encode(inputs.x), inputs.prompts)


def masks(model, inputs: Inputs) -> np.ndarray:
    """→ (P, H, W) bool: the model's `auto` choice per prompt, at the original size."""
    low, iou = networks(model, inputs)
    pick = model.select(low, iou, inputs.prompts, "auto")
    chosen = low[torch.arange(len(pick)), pick]
    return model.binarize(model.upscale(chosen[:, None], inputs.geom)[:, 0]).numpy()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="", help="comma-separated ids (default: every promptable model but " + ", ".join(SLOW) + ")")
    ap.add_argument("--images", type=int, default=5)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    ids = args.models.split(",") if args.models else [s.id for s in all_specs("promptable") if s.id not in SLOW]
    images = [decode_image(r.path) for r in list_images(IMAGES_DIR)[: args.images]]
    boxes = [box_prompts(im.shape[1], im.shape[0], args.prompts, seed=i) for i, im in enumerate(images)]
    header(f"int8 vs float32: encoder + decoder ({args.prompts} boxes) per image, mask IoU vs float32", torch.device("cpu"))

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_id in ids:
            fp32, weights = deterministic_model(model_id, Path(tmp))
            int8 = quantize_int8(copy.deepcopy(fp32))
            inputs = [Inputs(fp32, im, bx) for im, bx in zip(images, boxes)]
            ious = [mask_iou(a, b) for x in inputs for a, b in zip(masks(fp32, x), masks(int8, x))]
            times: dict[str, list[float]] = {"fp32": [], "int8": []}
            for _ in range(args.repeat):
                for name, model in (("fp32", fp32), ("int8", int8)):
                    t = time.perf_counter()
                    networks(model, inputs[0])
                    times[name].append(time.perf_counter() - t)
            t32, t8 = statistics.median(times["fp32"]), statistics.median(times["int8"])
            rows.append((model_id, weights, t32, t8, float(np.mean(ious)), min(ious)))
            print(f"  {model_id}: done", flush=True)
            del fp32, int8

    print(f"\n{'model':22s} {'weights':8s} {'fp32 s':>8s} {'int8 s':>8s} {'speed-up':>9s} {'mean IoU':>9s} {'worst IoU':>10s}")
    for model_id, weights, t32, t8, mean_iou, worst in rows:
        print(f"{model_id:22s} {weights:8s} {t32:8.2f} {t8:8.2f} {t32 / t8:8.2f}x {mean_iou:9.4f} {worst:10.4f}")


if __name__ == "__main__":
    main()
