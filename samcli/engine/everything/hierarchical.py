"""TinySAM's hierarchical "everything" mode, for any promptable model.

Round 1 decodes a sparse grid (points_per_side // 4 per side) and marks as
covered every pixel where a kept mask's logit exceeds high_score_thresh.
Round 2 decodes the neighbours of each sparse point (see `dense_points`)
that are not covered. Both rounds' masks (round 2 first, as the reference
concatenates them) go through one box NMS. Confident regions are thus not
prompted again, which is where the saving over the full grid comes from.
"""
from __future__ import annotations

import numpy as np
import torch

from samcli.engine.everything.dense_points import dense_candidates
from samcli.engine.everything.grids import point_grid, scale_grid
from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import CropFrame, HighScoreCover, decode_points
from samcli.engine.everything.stats import Stats, new_counts, summed
from samcli.engine.everything.trace import Trace
from samcli.ops.boxes import nms


def generate_hierarchical(model, image: np.ndarray, embedding: torch.Tensor, params: EverythingParams,
                          stats: Stats, trace: Trace | None = None) -> tuple[MaskSet, dict]:
    image_hw = image.shape[:2]
    whole = CropFrame((0, 0, image_hw[1], image_hw[0]), image_hw)
    cover = HighScoreCover(params.high_score_thresh,
                           torch.zeros(image_hw, dtype=torch.bool, device=embedding.device))

    sparse = point_grid(params.points_per_side // 4)
    counts1 = new_counts()
    round1 = decode_points(model, embedding, whole, scale_grid(sparse, image_hw), params, counts1, stats,
                           cover=cover, trace=trace, round_id=1)

    with stats.timed("postprocess"):
        covered = cover.covered.cpu().numpy()
        dense = dense_candidates(sparse, image_hw, params.points_per_side, covered)
    counts2 = new_counts()
    round2 = MaskSet()
    if len(dense.points_norm):  # the reference crashes on an empty second grid; we skip it
        round2 = decode_points(model, embedding, whole, scale_grid(dense.points_norm, image_hw), params, counts2,
                               stats, trace=trace, round_id=2)

    with stats.timed("postprocess"):
        merged = MaskSet.cat([round2, round1])
        masks = merged.take(nms(merged.boxes, merged.iou, params.box_nms_thresh))
    if trace is not None:
        trace.round_points_norm = [sparse, dense.points_norm]
        trace.covered = covered

    rounds = [dict(counts1), dict(counts2)]
    rounds[1]["candidates_considered"] = dense.considered
    rounds[1]["candidates_covered"] = dense.skipped
    masks_per_stage = summed(counts1, counts2)
    prompts = masks_per_stage.pop("prompts")
    return masks, {
        "mode": "hierarchical",
        "prompts": prompts,
        "prompts_per_round": [counts1["prompts"], counts2["prompts"]],
        "covered_fraction": round(float(covered.mean()), 6),
        "rounds": rounds,
        "masks": {**masks_per_stage, "box_nms": len(masks)},
    }
