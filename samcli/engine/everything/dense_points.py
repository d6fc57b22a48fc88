"""TinySAM's second round: where to look around each first-round point.

Each sparse point spawns up to 15 neighbours at integer strides
(H // points_per_side, W // points_per_side) — offsets {−1, 0, 1, 2}² without
(0, 0) — unless the round-1 "covered" map is already set there. The order
and arithmetic follow `hierarchical_generate` exactly (see
shared/parity/tinysam/README.md, step 5), including its quirks: the strides
use points_per_side (not the sparse count), only the +2 offsets get a bounds
check, and the look-up truncates the float coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DenseCandidates:
    points_norm: np.ndarray  # (M, 2) float64 (x/W, y/H) of the uncovered candidates, in order
    considered: int  # candidates before the covered test
    skipped: int  # candidates dropped because covered


def _offsets(x: float, y: float, w: int, h: int, ws: int, hs: int) -> list[tuple[int, int]]:
    ring = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
    right = x + ws * 2 < w
    below = y + hs * 2 < h
    if right:
        ring += [(2, dy) for dy in (-1, 0, 1)]
    if below:
        ring += [(dx, 2) for dx in (-1, 0, 1)]
    if right and below:
        ring.append((2, 2))
    return ring


def dense_candidates(sparse_norm: np.ndarray, image_hw: tuple[int, int], points_per_side: int,
                     covered: np.ndarray) -> DenseCandidates:
    """sparse_norm: (n², 2) round-1 grid, normalised; covered: (H, W) bool."""
    h, w = image_hw
    hs, ws = h // points_per_side, w // points_per_side
    kept: list[tuple[float, float]] = []
    considered = 0
    for gx, gy in sparse_norm:
        x, y = gx * w, gy * h
        for dx, dy in _offsets(x, y, w, h, ws, hs):
            considered += 1
            cx, cy = x + ws * dx, y + hs * dy
            if covered[int(cy), int(cx)]:
                continue
            kept.append((cx / w, cy / h))
    points = np.array(kept, dtype=np.float64).reshape(-1, 2)
    return DenseCandidates(points, considered, considered - len(kept))
