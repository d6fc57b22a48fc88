"""Settings of automatic ("everything") mask generation.

Names and defaults are those of SAM's `SamAutomaticMaskGenerator` (and
TinySAM's `SamHierarchicalMaskGenerator`, which adds `high_score_thresh`), so
reference configurations carry over unchanged.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from samcli.errors import SamcliError


@dataclass(frozen=True)
class EverythingParams:
    points_per_side: int = 32
    points_per_batch: int = 64
    pred_iou_thresh: float = 0.88  # keep predicted IoU > this (skipped if <= 0)
    stability_score_thresh: float = 0.95  # keep stability >= this (skipped if <= 0)
    stability_score_offset: float = 1.0
    box_nms_thresh: float = 0.7
    crop_n_layers: int = 0
    crop_nms_thresh: float = 0.7
    crop_overlap_ratio: float = 512 / 1500
    crop_n_points_downscale_factor: int = 1
    min_mask_region_area: int = 0
    #: hierarchical only: round-1 pixels with logit > this count as covered
    high_score_thresh: float = 8.5
    #: TinySAM's two-round sampling instead of SAM's full grid (ignores crop_*)
    hierarchical: bool = False

    def __post_init__(self) -> None:
        if self.points_per_side < 1 or self.points_per_batch < 1:
            raise SamcliError("points_per_side and points_per_batch must be >= 1")
        if self.hierarchical and self.points_per_side < 4:
            raise SamcliError("hierarchical mode needs points_per_side >= 4 (its first round uses points_per_side // 4)")
        if self.crop_n_layers < 0 or self.crop_n_points_downscale_factor < 1:
            raise SamcliError("crop_n_layers must be >= 0 and crop_n_points_downscale_factor >= 1")
        if self.min_mask_region_area < 0:
            raise SamcliError("min_mask_region_area must be >= 0")

    def ignored(self) -> list[str]:
        """Settings these params ignore: a warning for the whole run, not for each image."""
        if self.hierarchical and self.crop_n_layers:
            return ["hierarchical mode ignores crop_n_layers (as TinySAM's generator does)"]
        return []

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], **overrides: Any) -> "EverythingParams":
        """Build from a reference-style argument dict; keys this class does not
        know (output_mode, point_grids=None, …) are ignored."""
        if values.get("point_grids") is not None:
            raise SamcliError("explicit point_grids are not supported; use points_per_side")
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in values.items() if k in names}
        return cls(**{**known, **overrides})
