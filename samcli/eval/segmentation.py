"""A COCO `segmentation` in any of its three forms → one compressed RLE.

Polygons `[[x1, y1, x2, y2, ...], ...]` (rings merged into one mask),
uncompressed RLE `{"size": [h, w], "counts": [int, ...]}` (COCO writes crowds
so) and compressed RLE `{"size": [h, w], "counts": "..."}`. pycocotools does
the rasterising, as in COCOeval, so a mask here is the mask COCOeval scores.

pycocotools trusts its input: counts that do not add up to h·w decode to
uninitialised memory, and a 4-number polygon is taken for a box. Both are
checked here first, so a bad annotation is an error naming it, never garbage.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from samcli.io.prompts.checks import PromptError, show
from samcli.ops import rle_counts


def to_rle(segmentation: Any, height: int, width: int) -> dict:
    """→ {"size": [height, width], "counts": str} (compressed, JSON-ready)."""
    if isinstance(segmentation, list):
        rle = _from_polygons(segmentation, height, width)
    elif isinstance(segmentation, dict):
        rle = _from_rle(segmentation, height, width)
    else:
        raise PromptError('segmentation must be polygons [[x1, y1, x2, y2, ...], ...] or RLE {"size", "counts"}, '
                          f"got {show(segmentation)}")
    counts = rle["counts"]
    return {"size": [height, width], "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}


def _from_polygons(polygons: list, height: int, width: int) -> dict:
    if not polygons:
        raise PromptError("segmentation is an empty list of polygons")
    rings = []
    for i, ring in enumerate(polygons):
        what = f"segmentation[{i}]"
        if not isinstance(ring, list) or len(ring) < 6 or len(ring) % 2:
            raise PromptError(f"{what} must be a polygon [x1, y1, x2, y2, x3, y3, ...] "
                              f"(at least 3 points), got {show(ring)}")
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in ring):
            raise PromptError(f"{what} has a value that is not a number: {show(ring)}")
        if not np.isfinite(ring).all():
            raise PromptError(f"{what} has NaN or inf")
        rings.append([float(v) for v in ring])
    return mask_utils.merge(mask_utils.frPyObjects(rings, height, width))


def _from_rle(rle: dict, height: int, width: int) -> dict:
    size, counts = rle.get("size"), rle.get("counts")
    if size != [height, width]:
        raise PromptError(f'RLE "size" {show(size)} is not the image\'s [height, width] [{height}, {width}]')
    if isinstance(counts, list):
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
            raise PromptError(f'RLE "counts" must be non-negative integers, got {show(counts)}')
        covered = sum(counts)
    elif isinstance(counts, (str, bytes)):
        try:
            (covered,), _ = rle_counts.totals([counts.decode("ascii") if isinstance(counts, bytes) else counts])
        except (ValueError, UnicodeDecodeError):
            raise PromptError(f'RLE "counts" is not a COCO compressed string: {show(counts)}') from None
    else:
        raise PromptError(f'RLE "counts" must be a list of run lengths or a compressed string, got {show(counts)}')
    if covered != height * width:
        raise PromptError(f"RLE runs cover {covered} pixels, the image has {height}×{width} = {height * width}")
    # checked first: pycocotools takes the runs as uint32 and writes h·w of them, whatever they add up to
    rle = {"size": size, "counts": counts}
    return mask_utils.frPyObjects(rle, height, width) if isinstance(counts, list) else rle
