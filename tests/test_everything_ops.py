"""Building blocks of automatic mask generation against hand-computed or
brute-force expectations (fast; no model)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.engine.everything.hierarchical import dense_candidates
from samcli.engine.everything.grid import crop_boxes, layer_point_grids, point_grid
from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.maskset import clean_small_regions, remove_small_regions
from samcli.ops import rle
from samcli.ops.boxes import mask_boxes, near_crop_edge, nms


def brute_force_nms(boxes: np.ndarray, scores: np.ndarray, thresh: float) -> list[int]:
    """Oracle: stable descending order, float32 IoU, suppress IoU > thresh."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])  # Python's sort is stable
    b = boxes.astype(np.float32)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    kept: list[int] = []
    for i in order:
        ok = True
        for k in kept:
            w = max(np.float32(0), min(b[i, 2], b[k, 2]) - max(b[i, 0], b[k, 0]))
            h = max(np.float32(0), min(b[i, 3], b[k, 3]) - max(b[i, 1], b[k, 1]))
            inter = np.float32(w * h)
            with np.errstate(invalid="ignore", divide="ignore"):
                iou = inter / np.float32(area[k] + area[i] - inter)
            if float(iou) > thresh:
                ok = False
                break
        if ok:
            kept.append(i)
    return kept


@pytest.mark.parametrize("thresh", [0.0, 0.3, 0.7, 1.0])
def test_nms_matches_brute_force(thresh):
    rng = np.random.default_rng(0)
    xy = rng.integers(0, 60, size=(200, 2))
    wh = rng.integers(0, 40, size=(200, 2))  # includes degenerate (zero-size) boxes
    boxes = np.concatenate([xy, xy + wh], axis=1)
    boxes[150:] = boxes[:50]  # exact duplicates
    scores = rng.integers(0, 20, size=200).astype(np.float32) / 20  # many ties
    ours = nms(torch.from_numpy(boxes), torch.from_numpy(scores), thresh).tolist()
    assert ours == brute_force_nms(boxes, scores, thresh)


def test_nms_threshold_one_keeps_identical_boxes_in_score_order():
    boxes = torch.tensor([[0, 0, 799, 533]] * 4)
    scores = torch.tensor([0.2, 0.4, 0.4, 0.1])
    assert nms(boxes, scores, 1.0).tolist() == [1, 2, 0, 3]
    assert nms(boxes, scores, 0.7).tolist() == [1]


def test_mask_boxes_are_inclusive_and_zero_when_empty():
    masks = torch.zeros(3, 10, 12, dtype=torch.bool)
    masks[0, 2:5, 3:9] = True
    masks[1, 9, 11] = True
    assert mask_boxes(masks).tolist() == [[3, 2, 8, 4], [11, 9, 11, 9], [0, 0, 0, 0]]


def test_near_crop_edge_ignores_image_edges():
    crop, image = (0, 0, 491, 358), (0, 0, 800, 534)
    boxes = torch.tensor([[0, 0, 100, 100], [0, 0, 490, 100], [100, 100, 200, 345], [30, 30, 470, 337]])
    assert near_crop_edge(boxes, crop, image).tolist() == [False, True, True, False]


def test_point_grid_is_row_major_cell_centres():
    assert point_grid(2).tolist() == [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
    assert [len(g) for g in layer_point_grids(16, 2, 2)] == [256, 64, 16]


def test_crop_boxes_for_the_dog_image():
    # overlap int(512/1500 · 534) = 182; crop 491×358; x0 outer, y0 inner
    assert crop_boxes((534, 800), 1, 512 / 1500) == [
        ((0, 0, 800, 534), 0),
        ((0, 0, 491, 358), 1), ((0, 176, 491, 534), 1),
        ((309, 0, 800, 358), 1), ((309, 176, 800, 534), 1),
    ]


def test_dense_candidates_order_strides_and_covered_skip():
    # 64×64, points_per_side 4 → one sparse point (32, 32), strides 16; the +2
    # offsets (32 + 32 = 64) are out of bounds, so only the 8-neighbourhood
    covered = np.zeros((64, 64), dtype=bool)
    covered[48, 32] = True  # (x 32, y 48) is covered
    dense = dense_candidates(point_grid(1), (64, 64), 4, covered)
    pixels = (dense.points_norm * 64).tolist()
    assert pixels == [[16, 16], [16, 32], [16, 48], [32, 16], [48, 16], [48, 32], [48, 48]]
    assert (dense.considered, dense.skipped) == (8, 1)


def test_dense_candidates_plus_two_offsets():
    # 534×800, P 32: strides 16 (rows) and 25 (cols); the dog's 928 candidates
    dense = dense_candidates(point_grid(8), (534, 800), 32, np.zeros((534, 800), dtype=bool))
    assert dense.considered == 928 and dense.skipped == 0
    first = (dense.points_norm[:15] * [800, 534] - [50, 33.375]).round(6).tolist()
    assert first[:8] == [[-25, -16], [-25, 0], [-25, 16], [0, -16], [0, 16], [25, -16], [25, 0], [25, 16]]
    assert first[8:] == [[50, -16], [50, 0], [50, 16], [-25, 32], [0, 32], [25, 32], [50, 32]]


def test_remove_small_regions_fills_holes_and_drops_islands():
    mask = np.zeros((20, 20), dtype=bool)
    mask[2:12, 2:12] = True
    mask[5, 5] = False  # 1-px hole
    mask[16:18, 16:18] = True  # 4-px island
    filled, changed = remove_small_regions(mask, 5, "holes")
    assert changed and filled[5, 5] and filled.sum() == mask.sum() + 1
    cleaned, changed = remove_small_regions(filled, 5, "islands")
    assert changed and not cleaned[16:18, 16:18].any() and cleaned.sum() == 100
    untouched, changed = remove_small_regions(cleaned, 5, "islands")
    assert not changed and untouched is cleaned


def test_clean_small_regions_prefers_unchanged_masks():
    big = np.zeros((30, 30), dtype=bool)
    big[5:25, 5:25] = True
    speckled = big.copy()
    speckled[0, 0] = True  # a small island: changed by the clean-up, box then equals big's
    masks = MaskSet(
        rles=rle.encode(torch.from_numpy(np.stack([speckled, big]))),
        boxes=torch.tensor([[0, 0, 24, 24], [5, 5, 24, 24]]),
        iou=torch.tensor([0.9, 0.8]), stability=torch.tensor([0.95, 0.95]),
        points=torch.zeros(2, 2, dtype=torch.float64), crop_boxes=torch.tensor([[0, 0, 30, 30]] * 2),
        rounds=torch.zeros(2, dtype=torch.long),
    )
    out = clean_small_regions(masks, 4, 0.7)
    assert len(out) == 1 and out.iou.tolist() == [pytest.approx(0.8)]  # the unchanged one wins
    assert np.array_equal(rle.decode(out.rles[0]), big)
    kept_both = clean_small_regions(masks, 4, 1.0)
    assert len(kept_both) == 2 and kept_both.boxes.tolist() == [[5, 5, 24, 24], [5, 5, 24, 24]]
