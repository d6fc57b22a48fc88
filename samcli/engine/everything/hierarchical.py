"""TinySAM's hierarchical "everything" mode, for any promptable model.

Round 1 decodes a sparse grid (points_per_side // 4 per side) and marks as
covered every pixel where a kept mask's logit exceeds high_score_thresh.
Round 2 decodes the neighbours of each sparse point (`dense_candidates`)
that are not covered. Both rounds' masks (round 2 first, as the reference
concatenates them) go through one box NMS. Confident regions are thus not
prompted again, which is where the saving over the full grid comes from.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from samcli.engine.everything.grid import point_grid, scale_grid
from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import CropFrame, HighScoreCover, Trace, decode_points
from samcli.engine.everything.stats import new_counts, summed
from samcli.engine.progress import PromptProgress
from samcli.engine.timing import StageTimes
from samcli.ops.boxes import nms


def generate_hierarchical(model, image: np.ndarray, embedding: torch.Tensor, params: EverythingParams,
                          times: StageTimes, trace: Trace | None = None,
                          progress: PromptProgress | None = None) -> tuple[MaskSet, dict]:
    image_hw = image.shape[:2]
    whole = CropFrame((0, 0, image_hw[1], image_hw[0]), image_hw)
    cover = HighScoreCover(params.high_score_thresh,
                           torch.zeros(image_hw, dtype=torch.bool, device=embedding.device))

    sparse = point_grid(params.points_per_side // 4)
    counts1 = new_counts()
    round1 = decode_points(model, embedding, whole, scale_grid(sparse, image_hw), params, counts1, times,
                           cover=cover, trace=trace, round_id=1, progress=progress)

    with times.timed("postprocess"):
        covered = cover.covered.cpu().numpy()
        dense = dense_candidates(sparse, image_hw, params.points_per_side, covered)
    counts2 = new_counts()
    round2 = MaskSet()
    if len(dense.points_norm):  # the reference crashes on an empty second grid; we skip it
        round2 = decode_points(model, embedding, whole, scale_grid(dense.points_norm, image_hw), params, counts2,
                               times, trace=trace, round_id=2, progress=progress)

    with times.timed("postprocess"):
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


# ---- round 2: where to look around each first-round point ------------------
# Each sparse point spawns up to 15 neighbours at integer strides
# (H // points_per_side, W // points_per_side) — offsets {−1, 0, 1, 2}² without
# (0, 0) — unless the round-1 "covered" map is already set there. The order
# and arithmetic follow `hierarchical_generate` exactly (see
# shared/parity/tinysam/README.md, step 5), including its quirks: the strides
# use points_per_side (not the sparse count), only the +2 offsets get a bounds
# check, and the look-up truncates the float coordinates.


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
