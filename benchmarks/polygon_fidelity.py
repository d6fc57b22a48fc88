"""How much of each mask a polygon keeps: the samples' hand-drawn masks
(sample_data/eval), or the masks of any samcli `coco` output given, written as
polygons (the rule of samcli/ops/polygons.py) and filled again the way each
consumer fills them — pycocotools' annToMask for COCO polygons, Ultralytics'
polygon2mask (scale, truncate, cv2.fillPoly) for yolo-seg. Prints the IoU with
the mask: mean and min over masks of at least 32×32 pixels, and over all.

    .venv/bin/python benchmarks/polygon_fidelity.py [COCO.json ...] [--polygon-parts largest] [--min-area N]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from samcli.ops import rle  # noqa: E402
from samcli.ops.polygons import mask_polygon  # noqa: E402
from tests.format_jobs import mask_iou, sample_gt_results  # noqa: E402

TINY = 32 * 32


def masks_of(path: str | None) -> list[np.ndarray]:
    if path is None:
        return [rle.decode(a.rle) for r in sample_gt_results() for a in r.annotations]
    return [rle.decode(a["segmentation"]) for a in json.loads(Path(path).read_text())["annotations"]]


def ious(mask: np.ndarray, parts: str, min_area: int) -> tuple[float, float]:
    h, w = mask.shape
    polygon = mask_polygon(mask, parts, min_area)
    if not len(polygon):
        return 0.0, 0.0
    coco = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects([polygon.ravel().tolist()], h, w))) > 0
    yolo = np.zeros((h, w), np.uint8)
    xy = (np.round(polygon / (w, h), 6) * (w, h)).astype(np.int32)  # through the 6-decimal text, truncated
    cv2.fillPoly(yolo, [xy], 1)
    return mask_iou(coco, mask), mask_iou(yolo > 0, mask)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("coco", nargs="*")
    parser.add_argument("--polygon-parts", default="join")
    parser.add_argument("--min-area", type=int, default=0)
    args = parser.parse_args()
    for source in args.coco or [None]:
        masks = masks_of(source)
        scores = np.array([ious(m, args.polygon_parts, args.min_area) for m in masks])
        big = np.array([m.sum() >= TINY for m in masks])
        name = source or "sample_data/eval hand-drawn masks"
        for label, rows in (("masks >= 32x32", scores[big]), ("all masks", scores)):
            if len(rows):
                print(f"{name}: {label} ({len(rows)}): COCO polygon IoU mean {rows[:, 0].mean():.4f} "
                      f"min {rows[:, 0].min():.4f}; yolo-seg IoU mean {rows[:, 1].mean():.4f} min {rows[:, 1].min():.4f}")


if __name__ == "__main__":
    main()
