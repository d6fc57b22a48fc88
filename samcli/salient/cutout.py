"""Cut an object out of its photo: RGBA with the mask as alpha."""
from __future__ import annotations

import numpy as np


def mask_box(mask: np.ndarray, pad: int = 0) -> tuple[int, int, int, int] | None:
    """x0, y0, x1, y1 (end-exclusive, slice-ready) of the mask grown by `pad`
    pixels and clamped to the image; None for an empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    h, w = mask.shape
    return (max(int(cols[0]) - pad, 0), max(int(rows[0]) - pad, 0),
            min(int(cols[-1]) + 1 + pad, w), min(int(rows[-1]) + 1 + pad, h))


def cutout_rgba(image: np.ndarray, mask: np.ndarray, crop: bool = True, pad: int = 0) -> np.ndarray:
    """uint8 RGB (H, W, 3) + mask (H, W; nonzero = object) → uint8 RGBA, alpha 255
    on the object, 0 elsewhere. `crop`: only the mask's box grown by `pad`; an
    empty mask gives the whole, transparent frame (never a 0×0 image a writer
    would choke on)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[:2] != mask.shape:
        raise ValueError(f"need RGB (H, W, 3) and mask (H, W) of the same size, got {image.shape} and {mask.shape}")
    mask = np.asarray(mask) != 0  # 0/1 and 0/255 masks alike
    rgba = np.dstack([image.astype(np.uint8), mask.astype(np.uint8) * 255])
    box = mask_box(mask, pad) if crop else None
    if box is None:
        return rgba
    x0, y0, x1, y1 = box
    return np.ascontiguousarray(rgba[y0:y1, x0:x1])
