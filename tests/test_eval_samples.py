"""sample_data/eval: the ground truth reads cleanly, matches the sample images,
and the oracle model scores 1.0 on it; the detections file reads through the
prompt loader, as `samcli eval --protocol coco-ap` will read it."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import pytest

from samcli.eval.cocoeval import coco_ap
from samcli.eval.decoding import EncodedImage
from samcli.eval.ground_truth import read_ground_truth
from samcli.eval.image_match import match_images
from samcli.eval.metrics import miou_table
from samcli.eval.protocol_box import box_results
from samcli.eval.protocol_coco_ap import detection_results
from samcli.eval.protocol_point import point_results
from samcli.io.prompts.load import load_prompts
from samcli.io.prompts.match import match_image
from samcli.io.prompts.types import Prompt
from tests.eval_fakes import OracleModel

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
GT = SAMPLES / "eval" / "instances_gt.json"
DETECTIONS = SAMPLES / "eval" / "detections.json"
IMAGES = sorted(p.name for p in (SAMPLES / "images").glob("*.jpg"))


@pytest.fixture(scope="module")
def gt():
    return read_ground_truth(GT)


def oracle_for(image) -> tuple[OracleModel, EncodedImage]:
    model = OracleModel([inst.mask() for inst in image.instances])
    return model, EncodedImage(model, model.embeddings(), model.geom)


def test_ground_truth_reads_cleanly_with_every_segmentation_form(gt):
    assert gt.errors == [] and gt.warnings == []
    instances = [i for im in gt.images.values() for i in im.instances]
    crowds = [i for im in gt.images.values() for i in im.ignored]
    assert len(gt.images) == 4 and len(instances) == 13
    assert [(c.ann_id, c.iscrowd) for c in crowds] == [(14, True)]
    raw = {a["id"]: a["segmentation"] for a in json.loads(GT.read_text())["annotations"]}
    kinds = {i: "polygon" if isinstance(s, list) else type(s["counts"]).__name__ for i, s in raw.items()}
    assert kinds[5] == "str" and kinds[14] == "list" and list(kinds.values()).count("polygon") == 12


def test_ground_truth_matches_the_sample_images_and_their_sizes(gt):
    match = match_images(gt, IMAGES)
    assert match.messages == [] and sorted(match.matched) == IMAGES
    for key, image in match.matched.items():
        assert cv2.imread(str(SAMPLES / "images" / key)).shape[:2] == (image.height, image.width)


def test_oracle_scores_one_on_the_samples(gt):
    box, point, found = [], [], []
    for image in gt.images.values():
        _, encoded = oracle_for(image)
        box += box_results(encoded, image)
        # one instance at a time: a wheel and its hubcap share their deepest pixel, and one
        # click there cannot tell the oracle (or SAM: that is what multimask is for) which is meant
        for inst in image.instances:
            alone = replace(image, instances=[inst], ignored=[])
            point += point_results(oracle_for(alone)[1], alone, clicks=3)
        prompts = [Prompt(box=i.box, category_id=i.category_id, score=0.9) for i in image.instances]
        found += detection_results(encoded, image.image_id, prompts)
    assert miou_table(box)["all"] == {"mIoU": 1.0, "count": 13}
    assert miou_table(box)["small"]["count"] == 2  # the hubcaps
    assert all(r.ious == (1.0, 1.0, 1.0) for r in point)
    assert coco_ap(gt, list(gt.images.values()), found)["AP"] == pytest.approx(1.0)


def test_detections_read_through_the_prompt_loader(gt):
    prompts = load_prompts(DETECTIONS, "coco", coco_images=GT)
    assert prompts.errors == [] and prompts.warnings == []
    by_image, unknown = match_image(prompts, IMAGES)
    assert unknown == [] and sum(len(p) for p in by_image.values()) == 14
    assert all(p.score is not None and p.category_id in gt.categories for ps in by_image.values() for p in ps)
    found = []
    for key, detections in by_image.items():
        image = gt.images[key]
        found += detection_results(oracle_for(image)[1], image.image_id, detections)
    # a false positive, a loose duplicate and a missed hubcap: short of 1.0, well above 0
    assert 0.5 < coco_ap(gt, list(gt.images.values()), found)["AP"] < 1.0
