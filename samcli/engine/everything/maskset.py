"""The kept masks of one generation, column by column, as compact RLE, and
what is done to the set as a whole: the optional small-region clean-up and
the conversion to the engine's annotations.

Only RLE and per-mask numbers are held, never pixel maps, so a large image's
masks cost kilobytes each.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from samcli.engine.records import to_annotations
from samcli.engine.records import Annotation
from samcli.ops import rle
from samcli.ops.boxes import mask_boxes, nms, xyxy_to_xywh


@dataclass
class MaskSet:
    rles: list[dict] = field(default_factory=list)  # COCO compressed RLE, counts str, full image
    boxes: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 4), dtype=torch.long))  # inclusive xyxy, image px
    iou: torch.Tensor = field(default_factory=lambda: torch.zeros(0))  # predicted IoU (float32)
    stability: torch.Tensor = field(default_factory=lambda: torch.zeros(0))
    points: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 2), dtype=torch.float64))  # prompt x, y, image px
    crop_boxes: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 4), dtype=torch.long))  # xyxy, exclusive ends
    rounds: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))  # hierarchical round, else 0

    def __len__(self) -> int:
        return len(self.rles)

    def take(self, index: torch.Tensor) -> "MaskSet":
        idx = torch.as_tensor(index, dtype=torch.long).reshape(-1)
        return MaskSet(
            rles=[self.rles[i] for i in idx.tolist()],
            boxes=self.boxes[idx], iou=self.iou[idx], stability=self.stability[idx],
            points=self.points[idx], crop_boxes=self.crop_boxes[idx], rounds=self.rounds[idx],
        )

    @staticmethod
    def cat(parts: list["MaskSet"]) -> "MaskSet":
        parts = [p for p in parts if len(p)]
        if not parts:
            return MaskSet()
        return MaskSet(
            rles=[r for p in parts for r in p.rles],
            boxes=torch.cat([p.boxes for p in parts]), iou=torch.cat([p.iou for p in parts]),
            stability=torch.cat([p.stability for p in parts]), points=torch.cat([p.points for p in parts]),
            crop_boxes=torch.cat([p.crop_boxes for p in parts]), rounds=torch.cat([p.rounds for p in parts]),
        )

    def annotations(self) -> list[Annotation]:
        """`bbox` is COCO's (pycocotools `toBbox`: w, h are pixel extents). The
        references write [x0, y0, x1 − x0, y1 − y0] from inclusive x1/y1, one less
        in w and h; `extra` keeps their other fields (crop_box as xywh)."""
        extras = []
        for i in range(len(self)):
            extra = {
                "predicted_iou": float(self.iou[i]),
                "stability_score": float(self.stability[i]),
                "point_coords": [self.points[i].tolist()],
                "crop_box": xyxy_to_xywh(self.crop_boxes[i].tolist()),
            }
            if int(self.rounds[i]):
                extra["round"] = int(self.rounds[i])
            extras.append(extra)
        return to_annotations(self.rles, self.iou.tolist(), extras)


# ---- optional clean-up (SAM's `postprocess_small_regions`) -------------------
# Fill small holes, drop small islands, then re-run box NMS preferring masks that
# needed no change. Masks are decoded one at a time from RLE: memory stays at one bitmap.

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
