"""Every command end to end through the real CLI with the fake "disc" model:
runs without ../shared, so `segment`, `everything` and `salient` keep
coverage where the parity fixtures are absent."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from samcli.ops import rle
from tests.cli_helpers import SAMPLES, samcli_fake
from tests.fake_models import write_checkpoint

PHOTOS = sorted(p.name for p in (SAMPLES / "images").glob("*.jpg"))


@pytest.fixture(scope="module")
def disc(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("disc") / "disc.pt")


def test_segment_sample_prompts_to_coco(disc, tmp_path):
    out = tmp_path / "out.json"
    run = samcli_fake("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "prompts.json", "-o", out,
                      "--save-masks", tmp_path / "masks", "--save-overlays", tmp_path / "viz", "--stats", checkpoint=disc)
    assert run.returncode == 0, run.stderr
    coco = COCO(str(out))
    spec = json.loads((SAMPLES / "prompts" / "prompts.json").read_text())
    expected = {item["file"]: len(item["prompts"]) for item in spec["images"]}
    by_file = {img["file_name"]: img for img in coco.dataset["images"]}
    assert sorted(by_file) == PHOTOS  # prompt-less images are listed too
    for name, n in expected.items():
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[by_file[name]["id"]]))
        assert sorted(a["prompt_index"] for a in anns) == list(range(n))
        for a in anns:
            mask = coco.annToMask(a)
            assert mask.any() and (mask.shape == (by_file[name]["height"], by_file[name]["width"]))
            png = np.asarray(Image.open(tmp_path / "masks" / name / f"{a['prompt_index']}.png"))
            assert ((png > 0) == mask.astype(bool)).all()
        assert (tmp_path / "viz" / f"{name}.jpg").is_file()
        assert set(by_file[name]["stats"]["time_s"]) >= {"read", "preprocess", "encode", "decode", "postprocess"}
    assert "decoder prompts evaluated" in run.stderr and "seconds per stage" in run.stderr


@pytest.mark.parametrize("mode", ["grid", "hierarchical"])
def test_everything_jsonl_on_stdout(disc, mode):
    flags = ["--points-per-side", "8", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5"]
    run = samcli_fake("everything", SAMPLES / "images" / "dog.jpg", "-f", "jsonl", "-q", "--stats", *flags,
                      *(["--hierarchical"] if mode == "hierarchical" else []), checkpoint=disc)
    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.splitlines()
    rec = json.loads(line)
    assert rec["file"] == "dog.jpg" and rec["annotations"]
    assert rec["stats"]["mode"] == mode and rec["stats"]["masks"]["output"] == len(rec["annotations"])
    for a in rec["annotations"]:
        assert rle.decode(a["segmentation"]).shape == (534, 800) and len(a["point_coords"]) == 1


def test_salient_cutouts_with_the_weight_free_source(disc, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    Image.open(SAMPLES / "images" / "dog.jpg").save(images / "dog.jpg")
    Image.fromarray(np.full((120, 160, 3), 128, np.uint8)).save(images / "flat.png")  # nothing stands out
    out = tmp_path / "out"
    run = samcli_fake("salient", images, "--sod", "spectral", "-o", out / "annotations.json", "--save-cutouts",
                      out / "cutouts", "--save-saliency", out / "saliency", "--save-overlays", out / "overlays",
                      checkpoint=disc)
    assert run.returncode == 0, run.stderr
    assert "no salient object" in run.stderr and "flat.png" in run.stderr
    cut = np.asarray(Image.open(out / "cutouts" / "dog.jpg.png"))
    assert cut.shape[2] == 4 and cut[..., 3].max() == 255
    assert np.asarray(Image.open(out / "saliency" / "dog.jpg.png")).shape == (534, 800)
    assert (out / "overlays" / "dog.jpg.jpg").is_file() and not (out / "cutouts" / "flat.png.png").exists()
    doc = json.loads((out / "annotations.json").read_text())
    assert [i["file_name"] for i in doc["images"]] == ["dog.jpg", "flat.png"] and len(doc["annotations"]) == 1
    (ann,) = doc["annotations"]  # no detection behind the clicks: the score is the predicted IoU, also on its own
    assert ann["score"] == ann["predicted_iou"]


@pytest.mark.parametrize("command", ["segment", "everything", "salient"])
def test_no_images_is_a_usage_error_for_every_command(disc, tmp_path, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    extra = {"segment": ["-p", SAMPLES / "prompts" / "prompts.json"], "everything": [],
             "salient": ["--save-cutouts", tmp_path / "o", "--sod", "spectral"]}[command]
    run = samcli_fake(command, empty, *extra, checkpoint=disc)
    assert run.returncode == 2 and "no images found" in run.stderr and "Traceback" not in run.stderr
