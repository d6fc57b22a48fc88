"""Where a simulated user clicks next: RITM's rule, which EfficientViT-SAM's
point evaluation uses unchanged.

- Error regions: false negatives (in the ground truth, not predicted) and false
  positives (predicted, not in the ground truth).
- Each is distance-transformed (exact Euclidean: OpenCV DIST_L2 with the precise
  mask) after padding the image with one background pixel, so the image border
  counts as a boundary. Pixels clicked before get distance 0: no pixel is
  clicked twice.
- The click goes to the deepest error pixel. It is positive if the deepest
  false-negative distance is strictly greater than the deepest false-positive
  one, so a tie gives a negative click, as in RITM.
- Among equally deep pixels, the first in row-major order (smallest y, then
  smallest x), as RITM's `np.where(...)[0]`.
- "Largest error region" therefore means the region with the deepest interior
  point, not the one with the most pixels: a long thin region loses to a
  compact one.
- No unclicked error pixel left (a perfect prediction): None, and the caller
  stops clicking that instance. Here we depart from RITM, which would then click
  negatively at the first pixel (0, 0), even on the object.

The first click is `next_click(gt, nothing predicted)`: the ground-truth pixel
farthest from the object's boundary. Coordinates are pixel indices, x right,
y down, and are given to the model as they are (pixel centres at integers).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Click:
    x: int
    y: int
    positive: bool


def first_click(gt: np.ndarray) -> Click | None:
    """The click on an empty prediction; None for an empty mask."""
    return next_click(gt, np.zeros_like(gt, dtype=bool))


def next_click(gt: np.ndarray, pred: np.ndarray, clicked: Sequence[Click] = ()) -> Click | None:
    """gt, pred: (H, W) bool. `clicked`: this instance's earlier clicks."""
    gt, pred = np.asarray(gt, dtype=bool), np.asarray(pred, dtype=bool)
    fn_depth, fn_at = deepest(gt & ~pred, clicked)
    fp_depth, fp_at = deepest(pred & ~gt, clicked)
    if fn_depth > fp_depth:
        return Click(x=fn_at[1], y=fn_at[0], positive=True)
    if fp_at is not None:
        return Click(x=fp_at[1], y=fp_at[0], positive=False)
    return None


def deepest(region: np.ndarray, clicked: Sequence[Click] = ()) -> tuple[float, tuple[int, int] | None]:
    """The pixel of `region` farthest from any pixel outside it (the image border
    counting as outside), not among `clicked`: (distance, (y, x)), or (0.0, None).

    The transform runs on the region's bounding box padded by one background
    pixel: every pixel outside that box is farther than the padding ring, so the
    distances are the full image's, at the cost of the region alone.
    """
    rows = np.flatnonzero(region.any(axis=1))
    if rows.size == 0:
        return 0.0, None
    cols = np.flatnonzero(region.any(axis=0))
    y0, x0 = int(rows[0]), int(cols[0])
    crop = region[y0 : rows[-1] + 1, x0 : cols[-1] + 1]
    dist = cv2.distanceTransform(np.pad(crop, 1).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    for c in clicked:
        if 0 <= c.y - y0 < dist.shape[0] and 0 <= c.x - x0 < dist.shape[1]:
            dist[c.y - y0, c.x - x0] = 0.0
    flat = int(np.argmax(dist))  # the first maximum in row-major order
    depth = float(dist.flat[flat])
    if depth == 0.0:
        return 0.0, None
    y, x = divmod(flat, dist.shape[1])
    return depth, (y0 + y, x0 + x)
