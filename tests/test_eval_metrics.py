"""Mask IoU, size buckets, mIoU tables and the COCOeval wrapper, on numbers
worked out by hand."""
from __future__ import annotations

import pytest

from samcli.errors import SamcliError
from samcli.eval.cocoeval import coco_ap
from samcli.eval.ground_truth import GroundTruth, GtInstance
from samcli.eval.metrics import InstanceResult, click_table, miou_table, size_buckets
from samcli.ops.rle import iou as mask_iou
from samcli.ops import rle
from tests.eval_fakes import gt_image, rect

HW = (60, 80)


def encode(mask):
    return rle.encode(mask[None])[0]


def test_mask_iou_by_hand():
    a = rect(HW, (0, 9), (0, 9))  # 100 px
    b = rect(HW, (0, 9), (5, 14))  # 100 px, 50 shared
    assert mask_iou(encode(a), encode(b)) == pytest.approx(50 / 150)
    assert mask_iou(encode(a), encode(a)) == 1.0
    assert mask_iou(encode(a), encode(rect(HW, (20, 29), (20, 29)))) == 0.0


@pytest.mark.parametrize("area, buckets", [
    (0, ["small"]), (1023.9, ["small"]), (1024, ["small", "medium"]), (5000, ["medium"]),
    (9216, ["medium", "large"]), (9216.5, ["large"]), (1e7, ["large"]),
])
def test_size_buckets_are_cocoevals_ranges_inclusive_at_both_ends(area, buckets):
    assert size_buckets(area) == buckets


def result(area: float, *ious: float) -> InstanceResult:
    return InstanceResult("a.jpg", 1, 1, area, tuple(ious))


def test_miou_table_overall_and_by_size_none_where_empty():
    results = [result(100, 0.5), result(200, 0.7), result(20000, 0.9)]
    assert miou_table(results) == {
        "all": {"mIoU": pytest.approx(0.7), "count": 3},
        "small": {"mIoU": pytest.approx(0.6), "count": 2},
        "medium": {"mIoU": None, "count": 0},
        "large": {"mIoU": pytest.approx(0.9), "count": 1},
    }


def test_click_table_reads_the_iou_after_k_clicks():
    results = [result(100, 0.2, 0.4, 0.6), result(5000, 0.4, 0.8, 1.0)]
    table = click_table(results, (1, 3))
    assert list(table) == ["1", "3"]
    assert table["1"]["all"]["mIoU"] == pytest.approx(0.3)
    assert table["3"]["all"]["mIoU"] == pytest.approx(0.8)
    assert table["3"]["medium"] == {"mIoU": pytest.approx(1.0), "count": 1}


def two_images():
    """a.jpg: a small and a medium object; b.jpg: a large one."""
    small, medium = rect(HW, (2, 11), (2, 11)), rect(HW, (20, 59), (30, 69))
    large = rect((120, 120), (0, 99), (0, 99))
    a = gt_image([small, medium], key="a.jpg", image_id=1, first_ann_id=1)
    b = gt_image([large], key="b.jpg", image_id=2, first_ann_id=3)
    return GroundTruth(path="gt.json", images={"a.jpg": a, "b.jpg": b}, categories={1: "thing"})


def perfect(image, score=0.9):
    return [{"image_id": image.image_id, "category_id": 1, "score": score, "segmentation": inst.rle}
            for inst in image.instances]


def test_perfect_masks_give_ap_one_and_none_where_no_size():
    gt = two_images()
    images = list(gt.images.values())
    ap = coco_ap(gt, images, perfect(images[0]) + perfect(images[1]))
    assert ap == pytest.approx({"AP": 1.0, "AP50": 1.0, "AP75": 1.0, "APs": 1.0, "APm": 1.0, "APl": 1.0})
    only_a = coco_ap(gt, images[:1], perfect(images[0]))
    assert only_a["AP"] == pytest.approx(1.0) and only_a["APl"] is None  # b.jpg not evaluated: not charged


def test_a_higher_scored_false_positive_halves_ap():
    # one object; ranked: a miss (0.9), then the exact mask (0.5): precision 1/2 at recall 1
    gt = two_images()
    b = gt.images["b.jpg"]
    miss = {"image_id": 2, "category_id": 1, "score": 0.9, "segmentation": encode(rect((120, 120), (105, 119),
                                                                                          (105, 119)))}
    ap = coco_ap(gt, [b], [miss] + perfect(b, score=0.5))
    assert ap["AP"] == pytest.approx(0.5) and ap["AP50"] == pytest.approx(0.5) and ap["AP75"] == pytest.approx(0.5)


def test_a_detection_on_a_crowd_region_is_not_a_false_positive():
    gt = two_images()
    b = gt.images["b.jpg"]
    crowd = rect((120, 120), (100, 119), (100, 119))
    b.ignored.append(GtInstance(9, 1, encode(crowd), None, float(crowd.sum()), iscrowd=True))
    on_crowd = {"image_id": 2, "category_id": 1, "score": 0.95, "segmentation": encode(crowd)}
    assert coco_ap(gt, [b], [on_crowd] + perfect(b, score=0.5))["AP"] == pytest.approx(1.0)


def test_no_detections_give_zero_ap():
    gt = two_images()
    ap = coco_ap(gt, list(gt.images.values()), [])
    assert ap == {"AP": 0.0, "AP50": 0.0, "AP75": 0.0, "APs": 0.0, "APm": 0.0, "APl": 0.0}


def test_lvis_ground_truth_is_refused_for_coco_ap():
    gt = two_images()
    gt.federated = True
    with pytest.raises(SamcliError, match="an LVIS file; LVIS AP is federated"):
        coco_ap(gt, list(gt.images.values()), [])
