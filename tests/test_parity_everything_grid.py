"""Grid mode against Meta's `SamAutomaticMaskGenerator` run on MobileSAM with
the deterministic weights (shared/parity/mobilesam/README.md, "Automatic mask
generator"): amg, amg_nonms (box NMS 1.0: 29 masks) and amg_crop (1 crop layer)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.engine.everything import Trace, generate
from samcli.engine.pipeline import embed_image
from tests.everything_parity import DecodeCache, check_candidates, check_record, reference_params
from tests.parity import IMAGES_DIR, golden
from tests.sam_head_parity import load_rgb

TOLERANCES = dict(counts_key="counts", stab_atol=1e-3, area_rtol=1e-3, min_iou=0.999, bbox_atol=1)


@pytest.fixture(scope="module")
def mobilesam_setup(parity_model):
    g = golden("mobilesam")
    model = parity_model("mobilesam", "mobilesam")
    image = load_rgb(IMAGES_DIR / "dog.jpg")
    with torch.inference_mode():
        embedding = embed_image(model, image)
    # amg and amg_nonms decode the same prompts: decode them once
    return g, DecodeCache(model), image, embedding


def pair_in_golden_order(anns, g, run: str) -> list[int]:
    """Golden index of each of our masks: the same position, or a neighbour when
    the two golden predicted IoUs differ by < 1e-4 (README ordering rule)."""
    points, ious = g[run + "/point_coords"], g[run + "/predicted_iou"]
    n = len(ious)

    def same(ann, j):
        close_point = np.abs(np.asarray(ann.extra["point_coords"][0]) - points[j]).max() <= 1e-6
        return close_point and abs(ann.score - float(ious[j])) <= 1e-4

    pairs = []
    for i, ann in enumerate(anns):
        options = [j for j in (i, i - 1, i + 1) if 0 <= j < n and (j == i or abs(ious[i] - ious[j]) < 1e-4)]
        match = next((j for j in options if same(ann, j)), None)
        assert match is not None, f"{run}: our mask {i} ({ann.extra['point_coords']}, {ann.score:.6f}) is not golden {i}"
        pairs.append(match)
    assert sorted(pairs) == list(range(n)), f"{run}: pairing is not one-to-one: {pairs}"
    return pairs


def check_run(g, run: str, result, trace) -> dict:
    n = int(g[run + "/num_masks"])
    assert len(result.annotations) == n, f"{run}: {len(result.annotations)} masks, golden {n}"
    worst: dict = {}
    for ann, j in zip(result.annotations, pair_in_golden_order(result.annotations, g, run)):
        check_record(ann, g, run, j, worst=worst, **TOLERANCES)
        assert ann.extra["crop_box"] == g[run + "/crop_box"][j].tolist()
    if trace is not None:
        check_candidates(trace.candidates, g[run + "/candidates"], worst)
    print(run, worst)
    return worst


@pytest.mark.parametrize("run", ["amg_nonms", "amg"])
def test_grid_matches_sam_automatic_mask_generator(mobilesam_setup, run):
    g, model, image, embedding = mobilesam_setup
    params = reference_params(g, run)
    trace = Trace() if run == "amg_nonms" else None
    result = generate(model, image, params, embedding=embedding, trace=trace)
    check_run(g, run, result, trace)
    side = params.points_per_side
    assert result.stats["prompts"] == side * side and result.stats["masks"]["decoded"] == 3 * side * side


def test_grid_with_crop_layer_matches_reference(mobilesam_setup):
    g, model, image, _ = mobilesam_setup
    params = reference_params(g, "amg_crop")
    trace = Trace()
    result = generate(model._model, image, params, trace=trace)  # encodes the image and its 4 crops itself
    check_run(g, "amg_crop", result, trace)
    assert result.stats["crops"] == 5 and result.stats["prompts"] == 5 * 64
    cand = g["amg_crop/candidates"]
    passing = int(((cand[:, 0] > params.pred_iou_thresh) & (cand[:, 1] >= params.stability_score_thresh)).sum())
    assert result.stats["masks"]["stability"] == passing  # 41, README
