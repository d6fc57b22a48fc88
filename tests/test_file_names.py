"""Any file name a Linux file system allows: bytes that are not UTF-8 (Python
holds them as surrogate escapes), a newline, and two images that differ only
by their extension (a.jpg, a.png). Every picture output keeps one file per
image, the results name each image so that it round-trips (JSON, journal,
--resume, --shard + merge), and the summary shows such names on one line."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samcli.ops import rle
from tests.cli_helpers import invoke
from tests.fake_models import write_checkpoint

#: as the file system has them (bytes); keys are what Python makes of them
NAMES = [b"caf\xe9.png", b"new\nline.png", b"a.jpg", b"a.png", b"sub/a.jpg"]
KEYS = sorted(os.fsdecode(n) for n in NAMES)
BROKEN = os.fsdecode(b"broken\n\xff.png")  # not an image: it fails, and is listed by name


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("names")
    images = root / "images"
    rng = np.random.default_rng(1)
    for name in NAMES:
        path = images / os.fsdecode(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # each different: a mix-up of two images shows
            Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)).save(f, format=path.suffix[1:].replace("jpg", "jpeg"))
    prompts = root / "prompts.json"
    prompts.write_text(json.dumps({"images": [{"file": k, "prompts": [{"box": [4, 4, 30, 30]}, {"box": [10, 6, 50, 36]}]}
                                              for k in KEYS]}))
    return {"root": root, "images": images, "prompts": prompts, "disc": write_checkpoint(root / "disc.pt")}


def files(folder: Path) -> list[str]:
    """Every file under `folder`, by relative path (a folder may be named x.png too)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def run(odd, *args):
    result = invoke(*args, "--model", "disc", "-c", odd["disc"])
    assert result.exit_code == 0, result.stderr
    return result


def test_segment_gives_every_image_its_own_pictures_and_names_it_exactly(odd, tmp_path):
    out, masks, overlays = tmp_path / "out.json", tmp_path / "masks", tmp_path / "overlays"
    run(odd, "segment", odd["images"], "-p", odd["prompts"], "-o", out, "--save-masks", masks,
        "--save-overlays", overlays, "-q")
    doc = json.loads(out.read_text())
    assert sorted(i["file_name"] for i in doc["images"]) == KEYS  # surrogate escapes round-trip through JSON
    by_id = {i["id"]: i["file_name"] for i in doc["images"]}
    for ann in doc["annotations"]:
        png = np.asarray(Image.open(masks / by_id[ann["image_id"]] / f"{ann['prompt_index']}.png"))
        assert ((png > 0) == rle.decode(ann["segmentation"])).all()
    assert files(masks) == sorted(f"{k}/{i}.png" for k in KEYS for i in (0, 1))  # masks/<image path>/<prompt>.png
    assert files(overlays) == sorted(f"{k}.jpg" for k in KEYS)  # overlays/<image path>.jpg
    a_jpg, a_png = (np.asarray(Image.open(overlays / f"a.{ext}.jpg")) for ext in ("jpg", "png"))
    assert (a_jpg != a_png).any()  # each drawn on its own photo


def test_a_failed_odd_name_is_listed_on_one_line(odd, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / BROKEN).write_bytes(b"not a picture")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(images / "ok.png")
    result = invoke("everything", images, "-o", tmp_path / "out.json", "--model", "disc", "-c", odd["disc"], "-q",
                    "--points-per-side", "2")
    assert result.exit_code == 1
    assert "broken\\n\\udcff.png: " in result.stderr  # escaped as Python writes it, not split over two lines


def test_an_image_list_with_a_name_that_is_not_utf8(odd, tmp_path):
    """A list holds one name per line, so every name but one with a newline."""
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"".join(bytes(odd["images"]) + b"/" + n + b"\n" for n in NAMES if b"\n" not in n))
    out = tmp_path / "out.jsonl"
    run(odd, "everything", listing, "-o", out, "-f", "jsonl", "-q", "--points-per-side", "2")
    assert [json.loads(line)["file"] for line in out.read_text().splitlines()] == [k for k in KEYS if "\n" not in k]


def test_resume_reads_odd_names_back_from_the_journal(odd, tmp_path):
    out = tmp_path / "out.json"
    run(odd, "segment", odd["images"], "-p", odd["prompts"], "-o", out, "--keep-journal", "-q")
    first = out.read_bytes()
    out.unlink()
    again = run(odd, "segment", odd["images"], "-p", odd["prompts"], "-o", out, "--resume")
    assert f"resuming: {len(KEYS)} of {len(KEYS)} images done in the journal" in again.stderr
    assert out.read_bytes() == first


def test_everything_and_salient_pictures_and_shards_with_odd_names(odd, tmp_path):
    flags = ["--points-per-side", "4", "--pred-iou-thresh", "0.5", "--stability-score-thresh", "0.5", "-q"]
    whole = tmp_path / "whole.json"
    run(odd, "everything", odd["images"], "-o", whole, "--save-masks", tmp_path / "masks", *flags)
    assert {str(Path(f).parent) for f in files(tmp_path / "masks")} == set(KEYS)
    parts = [tmp_path / f"part{i}.json" for i in range(2)]
    for i, part in enumerate(parts):
        run(odd, "everything", odd["images"], "-o", part, "--shard", f"{i}/2", *flags)
    merged = tmp_path / "merged.json"
    assert invoke("merge", *parts, "-o", merged).exit_code == 0
    assert merged.read_bytes() == whole.read_bytes()

    sal = tmp_path / "sal"
    run(odd, "salient", odd["images"], "--sod", "spectral", "--threshold", "0.2", "--min-blob-area", "1",
        "-o", sal / "annotations.json", "--save-cutouts", sal / "cutouts", "--save-saliency", sal / "saliency",
        "--save-overlays", sal / "overlays", "-q")
    for folder, suffix in (("saliency", ".png"), ("overlays", ".jpg"), ("cutouts", ".png")):
        assert files(sal / folder) == sorted(k + suffix for k in KEYS), folder
    names = [i["file_name"] for i in json.loads((sal / "annotations.json").read_text())["images"]]
    assert sorted(names) == KEYS and Path(sal / "cutouts" / f"{KEYS[0]}.png").is_file()
