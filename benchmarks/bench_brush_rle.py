"""Label Studio brush RLE of an 8-megapixel mask: samcli's vectorised encoder
(samcli/ops/brush.py) against the reference, label_studio_sdk.converter.brush.mask2rle.
Checks both give the same bytes, then prints the time of each and the ratio.

Runs in the consumers' venv (which has label-studio-sdk; `make setup` builds it):

    .venv-consumers/bin/python benchmarks/bench_brush_rle.py [--mask detailed]   # both, in this process
    .venv-consumers/bin/python benchmarks/bench_brush_rle.py --only samcli --repeat 5   # one side, for timing
                                                                                        # whole processes
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from samcli.ops.brush import brush_rle  # noqa: E402  (numpy only: no torch needed)


def object_mask(h: int = 2448, w: int = 3264) -> np.ndarray:
    """A photo-sized object mask: a large blob with holes, a second part, a few specks."""
    m = np.zeros((h, w), np.uint8)
    cv2.ellipse(m, (w // 2, h // 2), (w // 3, h // 3), 15, 0, 360, 1, -1)
    cv2.circle(m, (w // 2 + 300, h // 2 - 200), 180, 0, -1)
    cv2.circle(m, (w // 2 - 500, h // 2 + 300), 90, 0, -1)
    cv2.rectangle(m, (60, 80), (700, 500), 1, -1)
    for x, y in np.random.default_rng(0).integers(0, min(h, w), (40, 2)):
        cv2.circle(m, (int(x), int(y)), 6, 1, -1)
    return m


def detailed_mask(h: int = 2448, w: int = 3264) -> np.ndarray:
    """The same size, ragged like foliage or hair: smoothed noise, thresholded (many short runs)."""
    noise = np.random.default_rng(1).random((h // 8, w // 8)).astype(np.float32)
    return (cv2.resize(cv2.GaussianBlur(noise, (0, 0), 1.5), (w, h)) > 0.5).astype(np.uint8)


MASKS = {"object": object_mask, "detailed": detailed_mask}


def timed(fn, mask, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(mask)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["samcli", "reference"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mask", choices=sorted(MASKS), default="object")
    args = parser.parse_args()
    mask = MASKS[args.mask]()
    from label_studio_sdk.converter.brush import mask2rle

    ours = lambda m: brush_rle(m)  # noqa: E731
    reference = lambda m: mask2rle(m * 255)  # noqa: E731  (Label Studio encodes 0/255 values)
    if args.only:
        for _ in range(args.repeat):
            (ours if args.only == "samcli" else reference)(mask)
        return
    assert ours(mask) == reference(mask), "the encoders disagree"
    t_ours, t_ref = timed(ours, mask, args.repeat), timed(reference, mask, args.repeat)
    print(f"{args.mask} mask {mask.shape[1]}x{mask.shape[0]} ({mask.size / 1e6:.1f} MP), {len(ours(mask))} RLE bytes, "
          "identical")
    print(f"samcli brush_rle: {t_ours * 1000:.1f} ms   reference mask2rle: {t_ref * 1000:.1f} ms   "
          f"ratio reference/samcli: {t_ref / t_ours:.1f}x")


if __name__ == "__main__":
    main()
