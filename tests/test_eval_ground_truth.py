"""COCO ground truth for `samcli eval`: the three segmentation forms, what is
skipped and reported, and matching to IMAGES."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from samcli.errors import InputError
from samcli.eval.ground_truth import read_ground_truth
from samcli.eval.image_match import match_images
from samcli.ops.rle_counts import runs as compressed_runs
from samcli.ops import rle
from tests.eval_fakes import rect

H, W = 40, 50
SQUARE = rect((H, W), (10, 19), (5, 14))  # 10×10 at x 5..14, y 10..19


def uncompressed(mask: np.ndarray) -> dict:
    """COCO's crowd form: run lengths in column-major order, starting with background."""
    flat = mask.ravel(order="F").astype(int)
    edges = np.flatnonzero(np.diff(np.r_[0, flat, 1 - flat[-1]]))  # where the value changes
    return {"size": [H, W], "counts": np.diff(np.r_[0, edges]).tolist()}


def coco(annotations: list[dict], images=None, categories=True) -> dict:
    doc = {"images": images or [{"id": 1, "file_name": "a.jpg", "height": H, "width": W}],
           "annotations": annotations}
    if categories:
        doc["categories"] = [{"id": 1, "name": "thing"}, {"id": 2, "name": "other"}]
    return doc


def ann(ann_id: int, segmentation, **extra) -> dict:
    return {"id": ann_id, "image_id": 1, "category_id": 1, "segmentation": segmentation, **extra}


def read(tmp_path, doc) -> object:
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(doc))
    return read_ground_truth(path)


def test_polygon_compressed_and_uncompressed_rle_give_the_same_square(tmp_path):
    compressed = rle.encode(SQUARE[None])[0]
    gt = read(tmp_path, coco([
        ann(1, [[5, 10, 15, 10, 15, 20, 5, 20]]),  # polygon corners on pixel edges
        ann(2, compressed),
        ann(3, uncompressed(SQUARE)),
    ]))
    assert gt.errors == [] and gt.warnings == []
    masks = [inst.mask() for inst in gt.images["a.jpg"].instances]
    assert [int(m.sum()) for m in masks] == [100, 100, 100]
    # pycocotools rasterises the polygon's outline on pixel edges onto exactly these 10×10 pixels
    assert all((m == SQUARE).all() for m in masks)


def test_box_is_the_bbox_field_else_the_mask_extent_and_area_the_field_else_pixels(tmp_path):
    gt = read(tmp_path, coco([
        ann(1, rle.encode(SQUARE[None])[0], bbox=[4.5, 9.5, 11, 11], area=1234.5),
        ann(2, rle.encode(SQUARE[None])[0]),
    ]))
    first, second = gt.images["a.jpg"].instances
    assert first.box.tolist() == [4.5, 9.5, 15.5, 20.5] and first.area == 1234.5
    assert second.box.tolist() == [5, 10, 15, 20] and second.area == 100


def test_crowd_is_kept_for_cocoeval_but_never_prompted(tmp_path):
    gt = read(tmp_path, coco([ann(1, rle.encode(SQUARE[None])[0]),
                              ann(2, uncompressed(rect((H, W), (0, 5), (0, 49))), iscrowd=1)]))
    image = gt.images["a.jpg"]
    assert [i.ann_id for i in image.instances] == [1]
    assert [(i.ann_id, i.iscrowd) for i in image.ignored] == [(2, True)]
    assert gt.warnings == [] and gt.errors == []


def test_empty_mask_and_tiny_area_are_reported_and_skipped(tmp_path):
    empty = rle.encode(np.zeros((1, H, W), dtype=bool))[0]
    gt = read(tmp_path, coco([ann(7, empty), ann(8, rle.encode(SQUARE[None])[0], area=0.5),
                              ann(9, rle.encode(SQUARE[None])[0])]))
    assert [i.ann_id for i in gt.images["a.jpg"].instances] == [9]
    assert [i.ann_id for i in gt.images["a.jpg"].ignored] == [7, 8]
    path = tmp_path / "gt.json"
    assert gt.warnings == [f"{path}: annotation 7 (image 'a.jpg'): empty mask; not evaluated",
                           f"{path}: annotation 8 (image 'a.jpg'): area 0.5 is below 1; not evaluated"]


@pytest.mark.parametrize("bad, message", [
    ({"image_id": 99}, "annotation 5: image_id 99 is not among the file's images"),
    ({"category_id": 3}, "annotation 5: category_id 3 is not one of the file's categories"),
    ({"segmentation": [[1, 2, 3, 4]]}, "annotation 5: segmentation[0] must be a polygon"),
    ({"segmentation": [[1, 2, 3, 4, 5, float("nan")]]}, "annotation 5: segmentation[0] has NaN or inf"),
    ({"segmentation": {"size": [H, W + 1], "counts": "0"}}, 'annotation 5: RLE "size" [40, 51] is not'),
    ({"segmentation": {"size": [H, W], "counts": [3, 4]}}, "annotation 5: RLE runs cover 7 pixels, the image "
                                                           "has 40×50 = 2000"),
    ({"segmentation": {"size": [H, W], "counts": "01"}}, "annotation 5: RLE runs cover 1 pixels"),
    ({"segmentation": {"size": [H, W], "counts": " "}}, 'annotation 5: RLE "counts" is not a COCO compressed'),
    ({"segmentation": None}, "annotation 5: segmentation must be polygons"),
    ({"iscrowd": 2}, "annotation 5: iscrowd must be 0 or 1"),
    ({"area": -3}, "annotation 5: area must be a non-negative number"),
    ({"bbox": [1, 2, 0, 4]}, "annotation 5: bbox [1, 2, 0, 4] is empty"),
])
def test_a_bad_annotation_is_an_error_naming_file_and_id_and_the_rest_is_read(tmp_path, bad, message):
    gt = read(tmp_path, coco([{**ann(5, rle.encode(SQUARE[None])[0]), **bad}, ann(6, rle.encode(SQUARE[None])[0])]))
    assert len(gt.errors) == 1 and gt.errors[0].startswith(f"{tmp_path / 'gt.json'}: {message}")
    assert [i.ann_id for i in gt.images["a.jpg"].instances] == [6]


def test_annotation_without_id_or_with_a_repeated_id(tmp_path):
    square = rle.encode(SQUARE[None])[0]
    no_id = {k: v for k, v in ann(0, square).items() if k != "id"}
    gt = read(tmp_path, coco([ann(1, square), no_id, ann(1, square)]))
    assert [e.split(": ", 1)[1] for e in gt.errors] == ['annotation [1]: missing "id"',
                                                        "annotation 1: annotation id 1 appears twice"]


def test_bad_image_entries_are_errors(tmp_path):
    images = [{"id": 1, "file_name": "a.jpg", "height": H, "width": W},
              {"id": 1, "file_name": "b.jpg", "height": H, "width": W},
              {"id": 2, "file_name": "a.jpg", "height": H, "width": W},
              {"id": 3, "file_name": "c.jpg"},
              {"id": 4, "height": H, "width": W}]
    gt = read(tmp_path, coco([], images=images))
    assert [e.split(": ", 1)[1] for e in gt.errors] == [
        "images[1]: image id 1 appears twice", "images[2]: file 'a.jpg' appears twice",
        "images[3]: height is not a number: null", 'images[4]: missing "file_name"']
    assert list(gt.images) == ["a.jpg"]


def test_lvis_images_are_named_by_their_coco_url(tmp_path):
    images = [{"id": 1, "coco_url": "http://images.cocodataset.org/val2017/000000000139.jpg", "height": H,
               "width": W}]
    gt = read(tmp_path, coco([], images=images))
    assert list(gt.images) == ["val2017/000000000139.jpg"] and not gt.federated
    images[0].update(not_exhaustive_category_ids=[], neg_category_ids=[])
    assert read(tmp_path, coco([], images=images)).federated


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("{", "not valid JSON"),
    ("[]", "not a COCO ground-truth file"),
    ('{"images": []}', "not a COCO ground-truth file"),
    ('{"images": [], "annotations": [], "categories": [{"id": 1}]}', "categories[0]"),
])
def test_an_unreadable_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "gt.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)) as err:
        read_ground_truth(path)
    assert str(path) in str(err.value)


def test_annotations_for_images_not_among_images_are_reported_with_their_ids(tmp_path):
    images = [{"id": i, "file_name": name, "height": H, "width": W}
              for i, name in [(1, "a.jpg"), (2, "sub/b.jpg"), (3, "c.jpg"), (4, "d.jpg")]]
    square = rle.encode(SQUARE[None])[0]
    annotations = [ann(10, square), {**ann(11, square), "image_id": 2}, {**ann(12, square), "image_id": 2},
                   {**ann(13, square), "image_id": 3, "iscrowd": 1}]
    gt = read(tmp_path, coco(annotations, images=images))
    match = match_images(gt, ["a.jpg", "d.jpg", "e.jpg"])
    assert list(match.matched) == ["a.jpg", "d.jpg"]  # d.jpg has no annotation: still evaluated
    path = tmp_path / "gt.json"
    assert match.messages == [
        f"{path}: annotations 11, 12 are for 'sub/b.jpg' (image id 2), which is not among the images; not evaluated",
        f"{path}: annotations 13 are for 'c.jpg' (image id 3), which is not among the images; not evaluated",
        f"1 image not in {path}, not evaluated: e.jpg",
    ]
    assert list(match_images(gt, ["sub\\b.jpg"]).matched) == ["sub\\b.jpg"]


def test_no_image_matching_hints_at_file_name(tmp_path):
    gt = read(tmp_path, coco([]))
    (message,) = match_images(gt, ["val2017/a.jpg"]).messages
    assert "file_name in the ground truth must be the path relative to the IMAGES folder" in message


def test_compressed_runs_read_pycocotools_strings():
    rng = np.random.default_rng(0)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        mask = rng.random((h, w)) < rng.random()
        encoded = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode()
        flat = mask.ravel(order="F")
        runs = compressed_runs(encoded).tolist()
        assert sum(runs) == h * w
        starts = np.cumsum([0] + runs[:-1])
        assert all((flat[s : s + n] == bool(k % 2)).all() for k, (s, n) in enumerate(zip(starts, runs)))
