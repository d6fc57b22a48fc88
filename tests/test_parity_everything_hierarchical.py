"""Hierarchical mode against TinySAM's `hierarchical_generate` with the
deterministic weights (shared/parity/tinysam/README.md, "Hierarchical everything")."""
from __future__ import annotations

import numpy as np

from samcli.engine.everything import Trace, generate
from tests.everything_parity import check_record, reference_params
from tests.parity import IMAGES_DIR, golden, mask_iou, unpack_masks
from tests.sam_head_parity import load_rgb

TOLERANCES = dict(counts_key="rle_counts", stab_atol=5e-5, area_rtol=2e-3, min_iou=0.998, bbox_atol=0)


def test_hierarchical_matches_tinysam(parity_model):
    g = golden("tinysam")
    params = reference_params(g, "hier", hierarchical=True)
    trace = Trace(record_candidates=False)
    result = generate(parity_model("tinysam", "tinysam"), load_rgb(IMAGES_DIR / "dog.jpg"), params, trace=trace)

    # the two rounds: same grids, same prompt counts, same keep counts, same cover
    assert result.stats["prompts_per_round"] == [int(g["hier/points_round1"]), int(g["hier/points_round2"])]
    for ours, gold in zip(trace.round_points_norm, (g["hier/round1_points_norm"], g["hier/round2_points_norm"])):
        assert ours.shape == gold.shape and np.abs(ours - gold).max() <= 1e-9
    assert [r["crop_edge"] for r in result.stats["rounds"]] == [int(g["hier/kept_round1"]), int(g["hier/kept_round2"])]
    covered_iou = mask_iou(trace.covered, unpack_masks(g, "hier/covered"))
    assert covered_iou >= 0.999, f"covered IoU {covered_iou}"
    # fewer prompts than the full grid would decode (points_per_side², see the grid parity test)
    assert result.stats["prompts"] < params.points_per_side**2

    # the masks, as a set keyed by prompt point (README: scores tie at float32 noise)
    points = g["hier/point_coords"]
    anns = result.annotations
    assert len(anns) == len(points)
    worst: dict = {}
    matched = []
    for ann in anns:
        j = int(np.abs(points - np.asarray(ann.extra["point_coords"][0])).max(axis=1).argmin())
        matched.append(j)
        check_record(ann, g, "hier", j, worst=worst, **TOLERANCES)
        assert ann.extra["round"] == int(g["hier/round"][j])
    assert sorted(matched) == list(range(len(points)))
    scores = [a.score for a in anns]
    assert scores == sorted(scores, reverse=True)
    print("hier", worst, "covered IoU", covered_iou)
