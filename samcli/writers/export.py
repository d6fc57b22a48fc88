"""How masks are written by the formats that want more than COCO RLE:
polygons (`--polygons`, `--polygon-parts`, `--min-area`) and Label Studio's
options (`--ls-*`). They shape the output only, never the run, so they are
not part of a journal's fingerprint: a resumed run may change them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samcli.ops import rle
from samcli.ops.polygons import PARTS, mask_polygon


@dataclass(frozen=True)
class ExportOptions:
    polygons: bool = False  # coco, coco-results, jsonl: COCO polygons instead of RLE
    polygon_parts: str = "join"  # several parts → one outline joining them, or the largest
    min_area: int = 0  # polygons leave out parts with fewer pixels
    ls_image_root: str = "/data/local-files/?d="
    ls_from_name: str = "label"
    ls_to_name: str = "image"
    ls_polygons: bool = False  # labelstudio: polygonlabels instead of brushlabels

    def __post_init__(self) -> None:
        if self.polygon_parts not in PARTS:
            raise ValueError(f"--polygon-parts must be one of {', '.join(PARTS)}, not {self.polygon_parts!r}")
        if self.min_area < 0:
            raise ValueError(f"--min-area must be 0 or more, not {self.min_area}")

    def polygon(self, ann: dict) -> np.ndarray:
        """The annotation's mask as one polygon: (N, 2) x, y in pixels, or (0, 2)."""
        return mask_polygon(rle.decode(ann["segmentation"]), self.polygon_parts, self.min_area)

    def coco_annotation(self, ann: dict) -> dict:
        """With --polygons: the segmentation as a COCO polygon list. A mask that
        leaves no polygon (empty, or every part under --min-area) keeps its RLE."""
        if not self.polygons:
            return ann
        outline = self.polygon(ann)
        if not len(outline):
            return ann
        return {**ann, "segmentation": [outline.ravel().tolist()]}
