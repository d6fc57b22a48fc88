"""Binary masks ↔ COCO RLE, in C (pycocotools), never per-pixel Python."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pycocotools import mask as mask_utils

if TYPE_CHECKING:  # not imported at run time: readers of RLE files (merge, eval's truth) need no torch
    import torch


def encode(masks: torch.Tensor | np.ndarray) -> list[dict]:
    """(N, H, W) bool masks → COCO RLEs {"size": [H, W], "counts": str}.

    pycocotools wants column-major (H, W, N) uint8. We transpose to (N, W, H)
    where the masks already are (on the GPU, cheaply), so the final (H, W, N)
    view is Fortran-contiguous and no CPU copy is made.
    """
    if not isinstance(masks, np.ndarray) and hasattr(masks, "cpu"):  # a torch tensor
        import torch

        nwh = masks.transpose(-1, -2).to(torch.uint8).contiguous().cpu().numpy()
    else:
        nwh = np.ascontiguousarray(np.asarray(masks, dtype=np.uint8).transpose(0, 2, 1))
    if nwh.shape[0] == 0:
        return []
    rles = mask_utils.encode(nwh.transpose(2, 1, 0))
    for rle in rles:
        rle["counts"] = rle["counts"].decode("ascii")
    return rles


def _as_bytes(rles: list[dict]) -> list[dict]:
    return [{"size": r["size"], "counts": r["counts"].encode("ascii") if isinstance(r["counts"], str) else r["counts"]} for r in rles]


def area(rles: list[dict]) -> list[int]:
    """Pixels set in each mask. One pycocotools call per RLE: its list form sizes
    a scratch array as uint8 (2.0.11 with numpy 2 raises OverflowError from 256
    RLEs on), so no count of masks may ever reach it. ~4 µs per RLE."""
    return [int(mask_utils.area(r)) for r in _as_bytes(rles)]


def bbox(rles: list[dict]) -> list[list[float]]:
    """COCO xywh boxes (w, h = pixel extents). One call per RLE too: toBbox's list
    form is sound today, but nothing here leans on pycocotools' list forms."""
    return [mask_utils.toBbox(r).tolist() for r in _as_bytes(rles)]


def decode(rle: dict) -> np.ndarray:
    """One RLE → (H, W) bool."""
    return mask_utils.decode(_as_bytes([rle])[0]).astype(bool)


def iou(a: dict, b: dict) -> float:
    """Mask IoU of two RLEs of the same size (1.0 for two empty masks)."""
    if area([a])[0] == 0 and area([b])[0] == 0:
        return 1.0
    x, y = _as_bytes([a, b])
    return float(mask_utils.iou([x], [y], [0])[0, 0])
