"""Grid and hierarchical generation on the disc stand-in model: stats,
output format, embedding reuse, crops, chunking (fast; see fake_models)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.engine import masks
from samcli.engine.everything import EverythingParams, Trace, generate
from samcli.ops import rle
from tests.fake_models import DiscModel

IMAGE = np.zeros((512, 512, 3), dtype=np.uint8)
FILTERS = dict(pred_iou_thresh=0.5, stability_score_thresh=0.5)


def test_hierarchical_evaluates_fewer_prompts_than_grid_when_round_one_covers():
    model = DiscModel()
    grid = generate(model, IMAGE, EverythingParams(points_per_side=8, **FILTERS))
    hier = generate(model, IMAGE, EverythingParams(points_per_side=8, hierarchical=True, high_score_thresh=1.0, **FILTERS))
    assert grid.stats["prompts"] == 64
    round1, round2 = hier.stats["rounds"]
    assert hier.stats["prompts_per_round"] == [4, round2["prompts"]]
    assert round2["candidates_covered"] > 0 and hier.stats["covered_fraction"] > 0
    assert round2["prompts"] == round2["candidates_considered"] - round2["candidates_covered"]
    assert hier.stats["prompts"] < grid.stats["prompts"]
    assert round1["decoded"] == 3 * 4 and hier.stats["masks"]["decoded"] == 3 * hier.stats["prompts"]


def test_hierarchical_without_cover_evaluates_every_candidate():
    hier = generate(DiscModel(), IMAGE, EverythingParams(points_per_side=8, hierarchical=True, high_score_thresh=1e9, **FILTERS))
    round2 = hier.stats["rounds"][1]
    assert hier.stats["covered_fraction"] == 0 and round2["candidates_covered"] == 0
    # offsets {-1,0,1,2}² \ (0,0), +2 only in bounds: 15 + 11 + 11 + 8
    assert round2["prompts"] == round2["candidates_considered"] == 45


def test_annotations_follow_the_shared_format():
    result = generate(DiscModel(), IMAGE, EverythingParams(points_per_side=4, **FILTERS))
    anns = result.annotations
    assert anns and result.stats["masks"]["output"] == len(anns) == result.stats["masks"]["box_nms"]
    scores = [a.score for a in anns]
    assert scores == sorted(scores, reverse=True)
    for a in anns:
        assert isinstance(a.rle["counts"], str) and a.rle["size"] == [512, 512]
        mask = rle.decode(a.rle)
        ys, xs = np.nonzero(mask)
        assert a.area == mask.sum()
        assert a.bbox == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]  # COCO extents
        assert a.score == a.extra["predicted_iou"] and 0.5 < a.extra["stability_score"] <= 1
        assert a.extra["crop_box"] == [0, 0, 512, 512] and len(a.extra["point_coords"]) == 1
    assert set(result.stats["time_s"]) == {"encode", "decode", "postprocess"}


def test_precomputed_embedding_is_reused_and_crops_are_encoded():
    model = DiscModel()
    embedding = model.encode(torch.zeros(1, 1))
    generate(model, IMAGE, EverythingParams(points_per_side=4, **FILTERS), embedding=embedding[0])
    assert model.encoded_images == 1  # only ours above
    result = generate(model, IMAGE, EverythingParams(points_per_side=4, crop_n_layers=1, **FILTERS), embedding=embedding)
    assert model.encoded_images == 1 + 4 and result.stats["crops"] == 5


def test_crop_layers_drop_crop_edge_masks_and_deduplicate_across_crops():
    result = generate(DiscModel(), IMAGE, EverythingParams(points_per_side=4, crop_n_layers=1, **FILTERS))
    counts = result.stats["masks"]
    assert counts["crop_edge"] < counts["stability"]  # discs cut by an inner crop edge are dropped
    assert counts["crop_nms"] < counts["box_nms"]  # the same disc found in several crops
    crop_boxes = {tuple(a.extra["crop_box"]) for a in result.annotations}
    assert (0, 0, 512, 512) in crop_boxes and len(crop_boxes) > 1


def test_chunked_upscaling_gives_identical_masks(monkeypatch):
    params = EverythingParams(points_per_side=4, crop_n_layers=1, **FILTERS)
    a = generate(DiscModel(), IMAGE, params).annotations
    monkeypatch.setattr(masks, "UPSCALE_BUDGET_MB", 1e-6)  # one mask per chunk
    b = generate(DiscModel(), IMAGE, params).annotations
    assert [x.rle for x in a] == [y.rle for y in b] and [x.extra for x in a] == [y.extra for y in b]


def test_trace_records_every_candidate():
    trace = Trace()
    result = generate(DiscModel(), IMAGE, EverythingParams(points_per_side=4, **FILTERS), trace=trace)
    assert trace.candidates.shape == (result.stats["masks"]["decoded"], 2)


def test_hierarchical_needs_a_sparse_grid():
    with pytest.raises(Exception, match="points_per_side >= 4"):
        EverythingParams(points_per_side=3, hierarchical=True)


def test_nothing_passing_the_filters_gives_no_masks():
    for hierarchical in (False, True):
        params = EverythingParams(points_per_side=4, pred_iou_thresh=0.99, hierarchical=hierarchical)
        result = generate(DiscModel(), IMAGE, params)
        assert result.annotations == [] and result.stats["masks"]["pred_iou"] == 0
