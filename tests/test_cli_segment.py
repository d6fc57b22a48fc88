"""`samcli segment` as users run it: the acceptance command of issue 2, bad
inputs, shell pipelines, offline use."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from pycocotools.coco import COCO

from samcli.ops import rle
from tests.cli_helpers import SAMPLES, samcli, samcli_fake
from tests.fake_models import write_checkpoint
from tests.parity import IMAGES_DIR, fixture_dir, golden, mask_iou
from tests.pipeline_goldens import expected_prompts, native_prompt_json


@pytest.fixture(scope="module")
def dog_prompts(tmp_path_factory):
    fixture_dir("mobilesam")
    cases = expected_prompts(golden("mobilesam"))
    path = tmp_path_factory.mktemp("prompts") / "P.json"
    path.write_text(json.dumps(native_prompt_json("dog.jpg", [p for p, _, _ in cases])))
    return path, cases


def test_segment_reproduces_goldens_and_loads_in_pycocotools(parity_checkpoint, dog_prompts, tmp_path):
    prompts, cases = dog_prompts
    det = parity_checkpoint("mobilesam")
    out = tmp_path / "out.json"
    run = samcli("segment", IMAGES_DIR, "--prompts", prompts, "--model", "mobilesam", "--checkpoint", det,
                 "--format", "coco", "--out", out)
    assert run.returncode == 0, run.stderr
    gt = COCO(str(out))
    dog = next(i for i in gt.dataset["images"] if i["file_name"] == "dog.jpg")
    anns = {a["prompt_index"]: a for a in gt.loadAnns(gt.getAnnIds(imgIds=[dog["id"]]))}
    assert sorted(anns) == list(range(len(cases)))
    for k, (_, mask, score) in enumerate(cases):
        ours = gt.annToMask(anns[k]).astype(bool)
        assert ours.shape == (534, 800)
        assert mask_iou(ours, mask) >= 0.98, f"prompt {k}"
        assert abs(anns[k]["score"] - score) <= 1e-4
    for img in gt.dataset["images"]:  # every image is listed with its true size
        assert img["width"] > 0 and img["height"] > 0

    res = tmp_path / "res.json"
    run = samcli("segment", IMAGES_DIR / "dog.jpg", "-p", prompts, "-m", "mobilesam", "-c", det, "-f", "coco-results", "-o", res, "-q")
    assert run.returncode == 0, run.stderr
    dt = gt.loadRes(str(res))
    assert len(dt.getAnnIds()) == len(cases)


def test_bad_inputs_are_reported_by_name_and_the_rest_completes(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    shutil.copy(SAMPLES / "images" / "dog.jpg", images / "dog.jpg")
    (images / "empty.jpg").write_bytes(b"")
    (images / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"images": [
        {"file": "dog.jpg", "prompts": [
            {"box": [100, 100, 300, 400]},
            {"box": [float("nan"), 1, 2, 3]},
            {"box": [300, 100, 100, 400]},
            {"box": [-50, -20, 200, 300]},
            {"box": [900, 600, 1000, 700]},
        ]},
        {"file": "empty.jpg", "prompts": [{"box": [1, 1, 5, 5]}]},
        {"file": "corrupt.png", "prompts": [{"box": [1, 1, 5, 5]}]},
        {"file": "ghost.jpg", "prompts": [{"box": [1, 1, 5, 5]}]},
    ]}))  # json writes float("nan") as NaN, which samcli must reject by name
    out = tmp_path / "o.jsonl"
    run = samcli_fake("segment", images, "-p", prompts, "-f", "jsonl", "-o", out,
                      checkpoint=write_checkpoint(tmp_path / "disc.pt"))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    for needle in ("images[0].prompts[1]", "NaN", "images[0].prompts[2]", "images[0].prompts[4]",
                   "empty.jpg", "corrupt.png", "ghost.jpg"):
        assert needle in run.stderr, needle
    lines = {rec["file"]: rec for rec in map(json.loads, out.read_text().splitlines())}
    assert "error" in lines["empty.jpg"] and "error" in lines["corrupt.png"]
    dog = lines["dog.jpg"]
    assert [a["prompt_index"] for a in dog["annotations"]] == [0, 3]  # clipped box kept, with a warning
    assert any("clipped" in w for w in dog["warnings"])
    for a in dog["annotations"]:
        assert rle.decode(a["segmentation"]).shape == (534, 800)


def test_missing_listed_image_is_reported_and_the_rest_completes(parity_checkpoint, dog_prompts, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{IMAGES_DIR / 'dog.jpg'}\n{IMAGES_DIR / 'vanished.jpg'}\n")
    run = samcli("segment", listing, "-p", dog_prompts[0], "-m", "mobilesam", "-c", parity_checkpoint("mobilesam"),
                 "-f", "jsonl", "-q")
    assert run.returncode == 1 and "vanished.jpg" in run.stderr and "Traceback" not in run.stderr
    dog, gone = map(json.loads, run.stdout.splitlines())
    assert len(dog["annotations"]) == len(dog_prompts[1]) and "not found" in gone["error"]


def test_unusable_prompt_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [ {"file": "dog.jpg", ')
    run = samcli("segment", SAMPLES / "images", "-p", bad)
    assert run.returncode == 2 and "bad.json" in run.stderr and "Traceback" not in run.stderr


def test_offline_without_cached_weights_says_where_to_put_the_file(tmp_path, dog_prompts):
    run = samcli("segment", IMAGES_DIR / "dog.jpg", "-p", dog_prompts[0], "--model", "tinysam",
                 env={"SAMCLI_HOME": str(tmp_path / "home")})
    assert run.returncode == 3
    assert str(tmp_path / "home" / "checkpoints" / "tinysam_42.3.pth") in run.stderr.replace("\n", "")
    assert "--checkpoint" in run.stderr


def test_stdin_list_to_jsonl_on_stdout(parity_checkpoint, dog_prompts):
    listing = f"{IMAGES_DIR / 'dog.jpg'}\n{IMAGES_DIR / 'truck.jpg'}\n"  # e.g. from `find`
    run = samcli("segment", "-", "-p", dog_prompts[0], "-m", "mobilesam", "-c", parity_checkpoint("mobilesam"), "-f", "jsonl", "-q",
                 stdin=listing)
    assert run.returncode == 0, run.stderr
    dog, truck = map(json.loads, run.stdout.splitlines())
    assert (dog["file"], truck["file"]) == ("dog.jpg", "truck.jpg")
    assert len(dog["annotations"]) == len(dog_prompts[1]) and truck["annotations"] == []
    rec = dog
    assert np.isclose(rec["annotations"][0]["score"], dog_prompts[1][0][2], atol=1e-4)
