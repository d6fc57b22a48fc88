import numpy as np
import pytest

from samcli.errors import InputError
from samcli.io.prompts import load_prompts
from tests.prompt_files import only_error, write

DATASET = {
    "images": [{"id": 1, "file_name": "a/dog.jpg"}, {"id": 2, "file_name": "cat.jpg"}, {"id": 3, "file_name": "empty.jpg"}],
    "annotations": [
        {"id": 10, "image_id": 1, "bbox": [10, 20, 30, 40], "category_id": 18},
        {"id": 11, "image_id": 2, "bbox": [0, 0, 5, 5], "category_id": 17},
    ],
    "categories": [{"id": 17, "name": "cat"}, {"id": 18, "name": "dog"}],
}


def test_dataset_ground_truth_boxes(tmp_path):
    pf = load_prompts(write(tmp_path, "gt.json", DATASET))
    assert pf.format == "coco" and pf.errors == []
    assert pf.categories == {17: "cat", 18: "dog"}
    # every listed image is known, even without annotations
    assert {k: len(v) for k, v in pf.images.items()} == {"a/dog.jpg": 1, "cat.jpg": 1, "empty.jpg": 0}
    dog = pf.images["a/dog.jpg"][0]
    np.testing.assert_array_equal(dog.box, [10, 20, 40, 60])  # xywh → xyxy
    assert dog.category_id == 18 and dog.score is None and not dog.normalized


@pytest.mark.parametrize("ann, problem", [
    ({"image_id": 9, "bbox": [0, 0, 5, 5], "category_id": 17}, "image_id 9 is not among the images of"),
    ({"image_id": 1, "bbox": [0, 0, -5, 5], "category_id": 17},
     "bbox [0, 0, -5, 5] has a negative width or height (expected [x, y, width, height])"),
    ({"image_id": 1, "bbox": [0, 0, 0, 5], "category_id": 17}, "bbox [0, 0, 0, 5] is empty"),
    ({"image_id": 1, "bbox": [0, 0, float("nan"), 5], "category_id": 17}, "bbox has NaN"),
    ({"image_id": 1, "category_id": 17}, 'missing "bbox" [x, y, width, height]'),
    ({"image_id": 1, "bbox": [0, 0, 5, 5], "category_id": 99}, "category_id 99 is not one of the file's categories (17, 18)"),
    ({"image_id": 1, "bbox": [0, 0, 5, 5]}, 'missing "category_id"'),
])
def test_bad_annotation_names_it(tmp_path, ann, problem):
    path = write(tmp_path, "gt.json", {**DATASET, "annotations": [DATASET["annotations"][0], ann]})
    pf = load_prompts(path)
    assert only_error(pf).startswith(f"{path}: annotations[1]: {problem}")
    assert len(pf.images["a/dog.jpg"]) == 1


def test_results_keyed_by_id_without_coco_images(tmp_path):
    path = write(tmp_path, "dets.json", [
        {"image_id": 397133, "bbox": [1, 2, 3, 4], "score": 0.9, "category_id": 1},
        {"image_id": 397133, "bbox": [1, 2, 3, 4], "score": 0.1, "category_id": 1},
        {"image_id": "frame_07", "bbox": [1, 2, 3, 4], "score": 0.8, "category_id": 2},
    ])
    pf = load_prompts(path, min_score=0.5)
    assert pf.format == "coco" and pf.errors == []
    assert {k: [p.score for p in v] for k, v in pf.images.items()} == {"id:397133": [0.9], "id:frame_07": [0.8]}
    assert pf.categories == {1: "1", 2: "2"}  # no names without a dataset


def test_results_mapped_through_coco_images(tmp_path):
    images = write(tmp_path, "gt.json", DATASET)
    path = write(tmp_path, "dets.json", [
        {"image_id": 1, "bbox": [1, 2, 3, 4], "score": 0.7, "category_id": 18},
        {"image_id": 5, "bbox": [1, 2, 3, 4], "score": 0.7, "category_id": 18},
        {"image_id": 2, "bbox": [1, 2, 3, 4], "category_id": 17},
    ])
    pf = load_prompts(path, coco_images=images)
    assert list(pf.images) == ["a/dog.jpg"]  # only images with detections
    assert pf.images["a/dog.jpg"][0].score == 0.7 and pf.categories == {17: "cat", 18: "dog"}
    assert pf.errors == [
        f"{path}: [1]: image_id 5 is not among the images of {images}",
        f'{path}: [2]: missing "score" (COCO results carry one per detection)',
    ]


def test_coco_images_must_be_a_dataset(tmp_path):
    with pytest.raises(InputError, match=r"x\.json: not a COCO dataset"):
        load_prompts(write(tmp_path, "d.json", [{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 1, "category_id": 1}]),
                     coco_images=write(tmp_path, "x.json", []))


def test_results_as_jsonl(tmp_path):
    pf = load_prompts(write(tmp_path, "d.jsonl", '{"image_id": 3, "bbox": [0, 0, 4, 4], "score": 0.5, "category_id": 1}\n'))
    assert pf.format == "coco" and list(pf.images) == ["id:3"]


def test_forced_coco_on_something_else(tmp_path):
    with pytest.raises(InputError, match=r"p\.json: not a COCO file: expected a dataset"):
        load_prompts(write(tmp_path, "p.json", {"images": []}), "coco")
