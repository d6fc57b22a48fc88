"""Shared by the output-format tests: results built from chosen masks, the
awkward masks every encoder must survive, and the samples' hand-drawn masks."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from samcli.engine.records import Annotation, ImageResult
from samcli.ops import rle

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def result_from_masks(key: str, masks: list[np.ndarray], categories: list[int] | None = None,
                      scores: list[float] | None = None) -> ImageResult:
    h, w = masks[0].shape if masks else (8, 8)
    rles = rle.encode(np.stack(masks)) if masks else []
    cats = categories or [1] * len(masks)
    scores = scores or [0.9 - 0.01 * i for i in range(len(masks))]
    anns = [Annotation(r, b, a, s, c, {"prompt_index": i})
            for i, (r, b, a, s, c) in enumerate(zip(rles, rle.bbox(rles), rle.area(rles), scores, cats))]
    return ImageResult(key, key, w, h, anns)


def awkward_masks(h: int = 60, w: int = 80) -> dict[str, np.ndarray]:
    """Holes, several parts, the image border, one pixel, the full frame, nothing."""
    holes = np.zeros((h, w), np.uint8)
    cv2.circle(holes, (40, 30), 22, 1, -1)
    holes[25:35, 35:45] = 0
    parts = np.zeros((h, w), np.uint8)
    parts[5:15, 5:20] = 1
    parts[40:55, 50:75] = 1
    parts[30, 2] = 1
    border = np.zeros((h, w), np.uint8)
    border[:, :10] = 1
    border[h - 5:, :] = 1
    pixel = np.zeros((h, w), np.uint8)
    pixel[17, 23] = 1
    return {"holes": holes > 0, "parts": parts > 0, "border": border > 0, "pixel": pixel > 0,
            "full": np.ones((h, w), bool), "empty": np.zeros((h, w), bool)}


def sample_gt_results() -> list[ImageResult]:
    """The samples' hand-drawn ground-truth masks (sample_data/eval), as results:
    real object outlines, one of them an RLE with a hole-like gap."""
    gt = json.loads((SAMPLES / "eval" / "instances_gt.json").read_text())
    out = []
    for img in gt["images"]:
        h, w = img["height"], img["width"]
        anns = [a for a in gt["annotations"] if a["image_id"] == img["id"] and not a.get("iscrowd")]
        masks = [mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(a["segmentation"], h, w))).astype(bool)
                 if isinstance(a["segmentation"], list) else
                 rle.decode(a["segmentation"]) for a in anns]
        out.append(result_from_masks(img["file_name"], masks, [a["category_id"] for a in anns]))
    return out


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
