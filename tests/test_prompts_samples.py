"""The example prompt files in sample_data/prompts read cleanly and agree with each other."""
from pathlib import Path

import numpy as np
import pytest

from samcli.io.prompts import load_prompts, match_image, resolve

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "prompts"
SIZES = {"dog.jpg": (800, 534), "picture1.jpg": (769, 770), "truck.jpg": (1800, 1200)}
BOX_FILES = {  # the same detections in each box format
    "coco_gt.json": {},
    "coco_detections.json": {"coco_images": SAMPLES / "coco_gt.json"},
    "yolo": {},
    "gdino.json": {},
}


def pixel_prompts(name, **options):
    pf = load_prompts(SAMPLES / name, **options)
    assert pf.errors == [] and pf.warnings == []
    mapping, unknown = match_image(pf, list(SIZES))
    assert unknown == [] and set(mapping) == set(SIZES)
    resolved = {}
    for image, prompts in mapping.items():
        resolved[image] = [resolve(p, *SIZES[image]) for p in prompts]
        assert all(warnings == [] for _, warnings in resolved[image])
    return pf, {image: [p for p, _ in pairs] for image, pairs in resolved.items()}


def test_native_sample():
    pf, prompts = pixel_prompts("prompts.json")
    assert pf.format == "json" and sum(map(len, prompts.values())) == 7
    assert pf.categories == {1: "dog", 2: "bowl", 3: "person", 4: "truck", 5: "sign", 6: "wheel"}
    assert {pf.categories[p.category_id] for p in prompts["truck.jpg"]} == {"truck", "wheel"}


@pytest.mark.parametrize("name", list(BOX_FILES))
def test_box_samples_agree_with_the_coco_ground_truth(name):
    gt, expected = pixel_prompts("coco_gt.json")
    pf, got = pixel_prompts(name, **BOX_FILES[name])
    # the GroundingDINO sample was "prompted" with the phrase "neon sign"
    renamed = {"sign": "neon sign"} if pf.format == "gdino" else {}
    for image in SIZES:
        # yolo/gdino store 6-decimal fractions: a hundredth of a pixel off at most
        np.testing.assert_allclose([p.box for p in got[image]], [p.box for p in expected[image]], atol=0.01)
        names = [gt.categories[p.category_id] for p in expected[image]]
        assert [pf.categories[p.category_id] for p in got[image]] == [renamed.get(n, n) for n in names]
