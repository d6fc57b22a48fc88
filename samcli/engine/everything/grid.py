"""SAM's automatic mask generator ("grid" mode), for any promptable model.

Per crop (the whole image, then `crop_n_layers` layers of overlapping crops):
embed the crop with the model's own preprocessing (the whole-image crop reuses
the image embedding), decode a regular point grid, filter (see
`point_decoder`), and NMS the crop's masks by predicted IoU. Across crops, NMS
again preferring masks from smaller crops.

The grid and crop arithmetic follows the reference step by step (numpy
linspace, float64, the same operation order) because prompt points and crop
boundaries must come out bit-identical for parity.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import CropFrame, Trace, decode_points
from samcli.engine.pipeline import embed_image
from samcli.engine.everything.stats import new_counts
from samcli.engine.progress import PromptProgress
from samcli.engine.timing import StageTimes
from samcli.ops.boxes import box_area, nms


def generate_grid(model, image: np.ndarray, embedding: torch.Tensor, params: EverythingParams,
                  times: StageTimes, trace: Trace | None = None,
                  progress: PromptProgress | None = None) -> tuple[MaskSet, dict]:
    """→ masks (ordered as the reference outputs them) and counters."""
    image_hw = image.shape[:2]
    grids = layer_point_grids(params.points_per_side, params.crop_n_layers, params.crop_n_points_downscale_factor)
    crops = crop_boxes(image_hw, params.crop_n_layers, params.crop_overlap_ratio)
    counts = new_counts()
    per_crop = []
    for box, layer in crops:
        crop = CropFrame(box, image_hw)
        crop_embedding = embedding
        if not crop.is_full:
            x0, y0, x1, y1 = box
            with times.timed("encode"):
                crop_embedding = embed_image(model, image[y0:y1, x0:x1])
        masks = decode_points(model, crop_embedding, crop, scale_grid(grids[layer], crop.hw), params,
                              counts, times, trace=trace, progress=progress)
        with times.timed("postprocess"):
            masks = masks.take(nms(masks.boxes, masks.iou, params.box_nms_thresh))
        counts["box_nms"] += len(masks)
        per_crop.append(masks)

    masks = MaskSet.cat(per_crop)
    if len(crops) > 1:
        with times.timed("postprocess"):
            prefer_small_crops = 1 / box_area(masks.crop_boxes)
            masks = masks.take(nms(masks.boxes, prefer_small_crops, params.crop_nms_thresh))
        counts["crop_nms"] = len(masks)
    return masks, {"mode": "grid", "crops": len(crops), "prompts": counts.pop("prompts", 0), "masks": dict(counts)}


def point_grid(n: int) -> np.ndarray:
    """(n², 2) normalised (x, y) cell centres (k + 0.5)/n, row by row (x fastest)."""
    half_cell = 1 / (2 * n)
    centres = np.linspace(half_cell, 1 - half_cell, n)
    xs, ys = np.meshgrid(centres, centres)
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def layer_point_grids(points_per_side: int, n_layers: int, downscale: int) -> list[np.ndarray]:
    """One grid per crop layer; layer i has int(points_per_side / downscale**i) points per side."""
    return [point_grid(int(points_per_side / downscale**i)) for i in range(n_layers + 1)]


def scale_grid(grid: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Normalised grid → float64 pixel coordinates of an h×w frame (no rounding)."""
    h, w = hw
    return grid * np.array([[w, h]])


def crop_boxes(image_hw: tuple[int, int], n_layers: int, overlap_ratio: float) -> list[tuple[tuple[int, int, int, int], int]]:
    """[(x0, y0, x1, y1) exclusive ends, layer)]: the whole image, then for layer
    i ≥ 1 a (2^i)×(2^i) set of overlapping crops (x0 outer, y0 inner)."""
    h, w = image_hw
    boxes = [((0, 0, w, h), 0)]
    for layer in range(1, n_layers + 1):
        per_side = 2**layer
        overlap = int(overlap_ratio * min(h, w) * (2 / per_side))
        crop_w = _crop_len(w, per_side, overlap)
        crop_h = _crop_len(h, per_side, overlap)
        xs = [int((crop_w - overlap) * i) for i in range(per_side)]
        ys = [int((crop_h - overlap) * i) for i in range(per_side)]
        for x0 in xs:
            for y0 in ys:
                boxes.append(((x0, y0, min(x0 + crop_w, w), min(y0 + crop_h, h)), layer))
    return boxes


def _crop_len(full: int, n_crops: int, overlap: int) -> int:
    # n crops with n-1 overlaps cover the side exactly, rounded up
    return int(math.ceil((overlap * (n_crops - 1) + full) / n_crops))
