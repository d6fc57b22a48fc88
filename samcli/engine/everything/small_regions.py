"""Optional clean-up: fill small holes, drop small islands, then re-run box NMS
preferring masks that needed no change (SAM's `postprocess_small_regions`).

Masks are decoded one at a time from RLE, so memory stays at one bitmap.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch

from samcli.engine.everything.maskset import MaskSet
from samcli.ops import rle
from samcli.ops.boxes import mask_boxes, nms


def remove_small_regions(mask: np.ndarray, min_area: int, mode: str) -> tuple[np.ndarray, bool]:
    """mode "holes": fill background components smaller than min_area;
    "islands": drop foreground components smaller than min_area (keeping the
    largest if all are small). 8-connectivity. → (mask, changed)."""
    fill_holes = mode == "holes"
    target = (mask != fill_holes).astype(np.uint8)  # holes: the background's components
    n_labels, labels, stats, _ = cv2.connectedComponentsWithStats(target, connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(sizes < min_area) + 1
    if small.size == 0:
        return mask, False
    if fill_holes:
        keep = np.zeros(n_labels, dtype=bool)
        keep[0] = True  # label 0 of the background map is the mask itself
        keep[small] = True
    else:
        keep = np.ones(n_labels, dtype=bool)
        keep[0] = False
        keep[small] = False
        if not keep.any():
            keep[int(np.argmax(sizes)) + 1] = True
    return keep[labels], True


def clean_small_regions(masks: MaskSet, min_area: int, nms_thresh: float) -> MaskSet:
    if not len(masks):
        return masks
    unchanged = torch.zeros(len(masks))
    new_boxes = masks.boxes.clone()
    new_rles = list(masks.rles)
    for i, code in enumerate(masks.rles):
        mask, hole_changed = remove_small_regions(rle.decode(code), min_area, "holes")
        mask, island_changed = remove_small_regions(mask, min_area, "islands")
        if hole_changed or island_changed:
            tensor = torch.from_numpy(mask)[None]
            new_boxes[i] = mask_boxes(tensor)[0]
            new_rles[i] = rle.encode(tensor)[0]
        else:
            unchanged[i] = 1.0
    keep = nms(new_boxes.float(), unchanged, nms_thresh)
    cleaned = MaskSet(new_rles, new_boxes, masks.iou, masks.stability, masks.points, masks.crop_boxes, masks.rounds)
    return cleaned.take(keep)
