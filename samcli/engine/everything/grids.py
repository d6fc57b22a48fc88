"""Where SAM's automatic generator looks: point grids and crop boxes.

The float arithmetic follows the reference step by step (numpy linspace,
float64, the same operation order) because the prompt points and crop
boundaries must come out bit-identical for parity.
"""
from __future__ import annotations

import math

import numpy as np


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
