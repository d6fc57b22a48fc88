"""Box operations for automatic mask generation, in plain torch (no torchvision).

Boxes here are x0, y0, x1, y1 with INCLUSIVE last column/row, as SAM's
generators compute them from masks; areas are (x1 − x0)·(y1 − y0) on those
numbers, exactly as torchvision's `box_area`/`nms` treat them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def mask_boxes(masks: torch.Tensor) -> torch.Tensor:
    """(N, H, W) bool → (N, 4) long inclusive boxes; (0, 0, 0, 0) for an empty mask."""
    n, h, w = masks.shape
    if n == 0:
        return torch.zeros((0, 4), dtype=torch.long, device=masks.device)
    rows = masks.any(dim=-1).to(torch.uint8)  # (N, H)
    cols = masks.any(dim=-2).to(torch.uint8)  # (N, W)
    # argmax returns the first maximum: the first set row/column from either end
    y0 = rows.argmax(dim=-1)
    y1 = h - 1 - rows.flip(-1).argmax(dim=-1)
    x0 = cols.argmax(dim=-1)
    x1 = w - 1 - cols.flip(-1).argmax(dim=-1)
    boxes = torch.stack([x0, y0, x1, y1], dim=-1)
    empty = rows.amax(dim=-1) == 0
    return boxes.masked_fill(empty[:, None], 0)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy NMS with torchvision's semantics → kept indices, best score first.

    Scores are sorted descending with a STABLE sort (ties keep input order); a
    box is dropped when its IoU with an already kept box is > iou_threshold.
    IoU is computed in float32 and compared in float64, as torchvision's CPU
    kernel does, so a threshold of 1.0 never suppresses identical boxes and a
    degenerate box (0/0 = NaN) is never suppressed.
    """
    n = int(boxes.shape[0])
    if n == 0:
        return torch.zeros(0, dtype=torch.long)
    boxes = boxes.detach().to("cpu", torch.float32)
    order = torch.sort(scores.detach().cpu(), descending=True, stable=True).indices
    x0, y0, x1, y1 = boxes[order].unbind(dim=1)
    areas = (x1 - x0) * (y1 - y0)
    suppressed = np.zeros(n, dtype=bool)
    kept = []
    for i in range(n):
        if suppressed[i]:
            continue
        kept.append(i)
        rest = slice(i + 1, n)
        w = (torch.minimum(x1[i], x1[rest]) - torch.maximum(x0[i], x0[rest])).clamp(min=0)
        h = (torch.minimum(y1[i], y1[rest]) - torch.maximum(y0[i], y0[rest])).clamp(min=0)
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter)
        suppressed[rest] |= (iou.double() > iou_threshold).numpy()
    return order[torch.as_tensor(kept, dtype=torch.long)]


def near_crop_edge(boxes: torch.Tensor, crop_box: Sequence[int], image_box: Sequence[int],
                   atol: float = 20.0) -> torch.Tensor:
    """(N,) bool: a side of the box lies within `atol` px of a crop side that is
    not also an image side (SAM's `is_box_near_crop_edge`). Boxes and both
    frames in image pixels; inclusive box ends are compared with exclusive
    crop ends, as the reference does."""
    boxes = boxes.float()
    crop = torch.as_tensor(crop_box, dtype=torch.float32, device=boxes.device)[None]
    image = torch.as_tensor(image_box, dtype=torch.float32, device=boxes.device)[None]
    at_crop = torch.isclose(boxes, crop, atol=atol, rtol=0)
    at_image = torch.isclose(boxes, image, atol=atol, rtol=0)
    return (at_crop & ~at_image).any(dim=1)


def xyxy_to_xywh(box: Sequence[float]) -> list:
    x0, y0, x1, y1 = box
    return [x0, y0, x1 - x0, y1 - y0]
