"""From a saliency map to foreground clicks for a promptable model.

Rule: foreground = map/255 ≥ threshold (≥, so threshold 0.5 keeps levels
128..255); 8-connected blobs; blobs under `min_blob_area` pixels are specks and
ignored; the blob with the largest SUMMED saliency wins (a bright object beats a
bigger, dimmer haze). Clicks: the blob's centre of mass, then the centres of
mass of its pixels in the four quadrants around that centre (x < cx | x ≥ cx,
y < cy | y ≥ cy; empty quadrants give none). A click that misses the blob (a
ring's centre, a curved arm's centroid) moves to the nearest blob pixel, so every
click lies on the object.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from samcli.words import plural

DEFAULT_THRESHOLD = 0.5
#: pixels; smaller blobs are noise, not objects
DEFAULT_MIN_BLOB_AREA = 64


@dataclass(frozen=True)
class SalientObject:
    """The chosen blob and the clicks on it.

    `points`: (K, 2) float64 x, y in pixel coordinates (pixel centres at
    integers), 1 ≤ K ≤ 5, the centre first; all foreground clicks.
    `mask`: bool (H, W) blob; `area` its pixels; `score` its summed saliency
    (Σ map/255); `box`: x0, y0, x1, y1 of the blob, inclusive pixel indices."""

    points: np.ndarray
    mask: np.ndarray
    area: int
    score: float
    box: tuple[int, int, int, int]

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class NoSalientObject:
    """Nothing to click on; `reason` is a sentence for the user. Falsy, so
    `if not (found := salient_clicks(m)): warn(found.reason)`."""

    reason: str

    def __bool__(self) -> bool:
        return False


def saliency_strength(saliency: np.ndarray) -> np.ndarray:
    """uint8 map (0..255) or float map already in [0, 1] → float64 in [0, 1]."""
    saliency = np.asarray(saliency)
    if saliency.ndim != 2:
        raise ValueError(f"expected an (H, W) saliency map, got shape {saliency.shape}")
    if saliency.dtype == np.uint8:
        return saliency / 255.0
    return saliency.astype(np.float64)


def salient_clicks(saliency: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
                   min_blob_area: int = DEFAULT_MIN_BLOB_AREA) -> SalientObject | NoSalientObject:
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    strength = saliency_strength(saliency)
    foreground = strength >= threshold
    if not foreground.any():
        return NoSalientObject(f"no salient object: no pixel reaches saliency {threshold:g}")
    count, labels, stats, _ = cv2.connectedComponentsWithStats(foreground.astype(np.uint8), connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    sums = np.bincount(labels.ravel(), weights=strength.ravel(), minlength=count)
    blobs = np.flatnonzero(areas >= min_blob_area)
    blobs = blobs[blobs != 0]  # label 0 is the background
    if blobs.size == 0:
        return NoSalientObject(
            f"no salient object: {plural(count - 1, 'blob')} reach saliency {threshold:g}, "
            f"all smaller than {min_blob_area} px (min_blob_area)"
        )
    best = int(blobs[np.argmax(sums[blobs])])  # ties: the lowest label, i.e. first in raster order
    mask = labels == best
    x, y, w, h = (int(v) for v in stats[best, :4])
    return SalientObject(points=blob_clicks(mask), mask=mask, area=int(areas[best]),
                         score=float(sums[best]), box=(x, y, x + w - 1, y + h - 1))


def blob_clicks(mask: np.ndarray) -> np.ndarray:
    """Centre of mass + centres of mass of the four quadrants, snapped onto the blob, duplicates dropped."""
    ys, xs = np.nonzero(mask)
    cx, cy = xs.mean(), ys.mean()
    points = [(cx, cy)]
    left, top = xs < cx, ys < cy
    for quadrant in (top & left, top & ~left, ~top & left, ~top & ~left):
        if quadrant.any():
            points.append((xs[quadrant].mean(), ys[quadrant].mean()))
    snapped = snap_to_mask(np.array(points), mask)
    _, first = np.unique(snapped, axis=0, return_index=True)
    return snapped[np.sort(first)]


def snap_to_mask(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Points whose nearest pixel is off the mask move to the nearest mask pixel
    (Euclidean; ties: first in raster order). Only the mask's edge pixels are
    searched: an inner pixel always has an edge pixel at least as close."""
    h, w = mask.shape
    cols = np.clip(np.rint(points[:, 0]).astype(np.int64), 0, w - 1)
    rows = np.clip(np.rint(points[:, 1]).astype(np.int64), 0, h - 1)
    off = ~mask[rows, cols]
    if not off.any():
        return points
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    edge_ys, edge_xs = np.nonzero(mask & ~inner)
    out = points.copy()
    for i in np.flatnonzero(off):  # at most 5 points, each a vectorised search
        nearest = np.argmin((edge_xs - points[i, 0]) ** 2 + (edge_ys - points[i, 1]) ** 2)
        out[i] = edge_xs[nearest], edge_ys[nearest]
    return out
