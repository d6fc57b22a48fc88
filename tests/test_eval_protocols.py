"""The three protocols on one image at the model-contract level, with the oracle
model: exact masks score 1.0; masks shifted by a known number of pixels score
the IoU worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest

from samcli.errors import InputError, SamcliError
from samcli.eval.clicks import Click
from samcli.eval.cocoeval import coco_ap
from samcli.eval.decoding import EncodedImage
from samcli.eval.ground_truth import GroundTruth
from samcli.eval.metrics import click_table, miou_table
from samcli.eval.protocol_box import box_results
from samcli.eval.protocol_coco_ap import detection_results
from samcli.eval.protocol_point import point_results
from samcli.io.prompts.types import Prompt
from tests.eval_fakes import OracleModel, gt_image, rect

HW = (128, 160)
A = rect(HW, (10, 29), (10, 39))  # 20×30 = 600 px: small
B = rect(HW, (40, 79), (50, 89))  # 40×40 = 1600 px: medium
C = rect(HW, (90, 99), (100, 109))  # 10×10 = 100 px: small
MASKS = [A, B, C]


def encoded(model: OracleModel, prompt_batch: int = 16) -> EncodedImage:
    return EncodedImage(model, model.embeddings(), model.geom, prompt_batch=prompt_batch)


def ious(results, column=0):
    return [r.ious[column] for r in results]


def test_box_oracle_scores_one_and_decodes_in_batches():
    model = OracleModel(MASKS)
    results = box_results(encoded(model, prompt_batch=2), gt_image(MASKS))
    assert ious(results) == [1.0, 1.0, 1.0]
    assert [len(call) for call in model.calls] == [2, 1]
    table = miou_table(results)
    assert table["all"] == {"mIoU": 1.0, "count": 3} and table["small"]["count"] == 2
    assert table["large"] == {"mIoU": None, "count": 0}


def test_box_prompts_are_the_boxes_scaled_into_the_prompt_frame():
    model = OracleModel(MASKS)
    box_results(encoded(model), gt_image(MASKS))
    sx, sy = 1024 / 160, 819 / 128  # 160×128 → 1024×819 in the letterboxed frame
    assert model.calls[0].boxes[0].tolist() == pytest.approx([10 * sx, 10 * sy, 40 * sx, 30 * sy])
    assert model.calls[0].masks is None and model.calls[0].coords is None


@pytest.mark.parametrize("shift, expected", [
    # A 20×30 moved 3 right: 20·27 / 20·33; B 40×40: 40·37 / 40·43; C 10×10: 10·7 / 10·13
    ((3, 0), [27 / 33, 37 / 43, 7 / 13]),
    # moved 2 right and 1 down: A 19·28 / (1200 − 532); B 39·38 / (3200 − 1482); C 9·8 / (200 − 72)
    ((2, 1), [532 / 668, 1482 / 1718, 72 / 128]),
])
def test_box_shifted_masks_give_the_iou_worked_out_by_hand(shift, expected):
    results = box_results(encoded(OracleModel(MASKS, shift=shift)), gt_image(MASKS))
    assert ious(results) == pytest.approx(expected)


def test_box_multimask_mode_goes_through_the_models_select():
    model = OracleModel(MASKS, token0_empty=True)  # token 0 empty, tokens 1..3 exact
    assert ious(box_results(encoded(model), gt_image(MASKS))) == [1.0, 1.0, 1.0]  # default: best candidate
    assert ious(box_results(encoded(model), gt_image(MASKS), multimask="never")) == [0.0, 0.0, 0.0]


def test_point_oracle_scores_one_at_every_click_and_stops_clicking():
    model = OracleModel(MASKS)
    results = point_results(encoded(model), gt_image(MASKS), clicks=5)
    assert [r.ious for r in results] == [(1.0,) * 5] * 3
    # exact after click 1: nothing left to correct, so no second decode
    assert len(model.calls) == 1 and len(model.calls[0]) == 3
    assert [r.clicks for r in results][0] == (Click(x=19, y=19, positive=True),)
    table = click_table(results, (1, 3, 5))
    assert all(table[k]["all"] == {"mIoU": 1.0, "count": 3} for k in ("1", "3", "5"))


def test_point_shifted_masks_clicks_worked_out_by_hand():
    model = OracleModel([A, B], shift=(3, 0))
    results = point_results(encoded(model), gt_image([A, B]), clicks=3)
    assert [list(r.ious) for r in results] == [pytest.approx([27 / 33] * 3), pytest.approx([37 / 43] * 3)]
    # A: deepest pixel first; then the 3-px strips missed (x 10..12) and added (x 40..42) tie
    # at depth 2: negative clicks, in the added strip, down its column, never the same pixel twice
    assert results[0].clicks == (Click(19, 19, True), Click(41, 11, False), Click(41, 12, False))
    # all instances advance together: one decoder batch per click, every click given each time
    assert [len(call) for call in model.calls] == [2, 2, 2]
    assert [call.num_points for call in model.calls] == [1, 2, 3]
    assert model.calls[2].labels[0].tolist() == [1, 0, 0]


def test_point_feedback_feeds_the_kept_logits_back_only_when_asked_and_accepted():
    fed = OracleModel([A, B], shift=(3, 0), accepts_mask_input=True)
    point_results(encoded(fed), gt_image([A, B]), clicks=3, feedback=True)
    assert fed.calls[0].masks is None
    # the oracle's low-res logits are its instance number: each instance gets its own back
    assert fed.calls[1].masks.shape == (2, 1, 256, 256)
    assert (fed.calls[1].masks[0] == 0).all() and (fed.calls[1].masks[1] == 1).all()
    default = OracleModel([A], shift=(3, 0), accepts_mask_input=True)
    point_results(encoded(default), gt_image([A]), clicks=3)
    refuses = OracleModel([A], shift=(3, 0), accepts_mask_input=False)
    point_results(encoded(refuses), gt_image([A]), clicks=3, feedback=True)
    assert all(call.masks is None for call in default.calls + refuses.calls)


def test_point_multimask_mode_goes_through_the_models_select():
    model = OracleModel(MASKS, token0_empty=True)
    results = point_results(encoded(model), gt_image(MASKS), clicks=2, multimask="never")
    # token 0 is empty: IoU 0, and the second click goes to the deepest pixel again, which is taken
    assert [r.ious for r in results][0] == (0.0, 0.0)
    assert results[0].clicks[1].positive and results[0].clicks[1] != results[0].clicks[0]


def test_point_more_clicks_than_the_model_takes_or_none_is_refused():
    model = OracleModel(MASKS)
    model.max_points = 2
    with pytest.raises(SamcliError, match="3 clicks: OracleModel accepts at most 2 points"):
        point_results(encoded(model), gt_image(MASKS), clicks=3)
    with pytest.raises(SamcliError, match="clicks must be at least 1, got 0"):
        point_results(encoded(model), gt_image(MASKS), clicks=0)


def test_an_unknown_multimask_mode_is_refused():
    with pytest.raises(SamcliError, match="multimask must be one of auto, always, never, got 'best'"):
        box_results(encoded(OracleModel(MASKS)), gt_image(MASKS), multimask="best")


def test_image_and_ground_truth_sizes_must_agree():
    model = OracleModel([A])
    rotated = gt_image([A.T.copy()])
    for run in (box_results, point_results):
        with pytest.raises(InputError, match=r"a.jpg: the image is 160×128 but the ground truth says 128×160"):
            run(encoded(model), rotated)


def test_an_image_without_instances_gives_no_results():
    model = OracleModel(MASKS)
    empty = gt_image(MASKS)
    empty.instances.clear()
    assert box_results(encoded(model), empty) == [] and point_results(encoded(model), empty) == []
    assert model.calls == []


def detections(image, boxes=None, scores=None):
    boxes = [inst.box for inst in image.instances] if boxes is None else boxes
    scores = scores or [0.9 - 0.1 * k for k in range(len(boxes))]
    return [Prompt(box=np.asarray(b, dtype=np.float64), category_id=1, score=s) for b, s in zip(boxes, scores)]


def test_coco_ap_oracle_with_ground_truth_boxes_scores_one():
    image = gt_image(MASKS)
    results = detection_results(encoded(OracleModel(MASKS)), image.image_id, detections(image))
    assert [sorted(r) for r in results] == [["category_id", "image_id", "score", "segmentation"]] * 3
    assert results[0]["score"] == 0.9 and results[0]["segmentation"] == image.instances[0].rle
    gt = GroundTruth(path="gt.json", images={image.key: image}, categories={1: "thing"})
    ap = coco_ap(gt, [image], results)
    assert ap == pytest.approx({"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": 1.0, "APl": None})


def test_coco_ap_shifted_masks_fail_the_strict_thresholds_by_hand():
    # IoUs 27/33 = .82, 37/43 = .86, 7/13 = .54: matched at IoU .50 for all, .55..80 for A and B,
    # .85 for B alone; AP averages the ten thresholds of per-threshold AP
    image = gt_image(MASKS)
    results = detection_results(encoded(OracleModel(MASKS, shift=(3, 0))), image.image_id, detections(image))
    gt = GroundTruth(path="gt.json", images={image.key: image}, categories={1: "thing"})
    ap = coco_ap(gt, [image], results)
    # scores rank A, B, C: at .55..80 recall 2/3 with precision 1 → AP 2/3 (101-point recall grid:
    # 67 of 101 points); at .85, B only, ranked second: precision 1/2 on 34 of 101 points
    per_threshold = [1.0] + [67 / 101] * 6 + [34 / 101 * 0.5] + [0.0, 0.0]
    assert ap["AP50"] == pytest.approx(1.0)
    assert ap["AP75"] == pytest.approx(67 / 101)
    assert ap["AP"] == pytest.approx(sum(per_threshold) / 10)


def test_detections_need_a_score_and_a_category():
    image = gt_image(MASKS)
    with pytest.raises(InputError, match="needs a box, a score and a category"):
        detection_results(encoded(OracleModel(MASKS)), 1, [Prompt(box=image.instances[0].box, category_id=1)])
    assert detection_results(encoded(OracleModel(MASKS)), 1, []) == []

