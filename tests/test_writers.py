"""Writers: COCO dataset loads in pycocotools, results load in COCO.loadRes,
JSONL streams a line per image, and interrupted runs still write their work."""
from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from samcli.engine.records import Annotation, ImageResult
from samcli.ops import rle
from samcli.writers.results import ResultWriter
from samcli.writers.images import MaskPngWriter, render_overlay
from samcli.writers.journal import Journal, journal_path


def make_result(name: str, w: int = 40, h: int = 30, n: int = 2, category: int = 3) -> ImageResult:
    masks = np.zeros((n, h, w), bool)
    for i in range(n):
        masks[i, 2 + i : 10 + i, 5 : 20 + i] = True
    rles = rle.encode(masks)
    anns = [Annotation(r, b, a, 0.5 + i / 10, category, {"prompt_index": i})
            for i, (r, b, a) in enumerate(zip(rles, rle.bbox(rles), rle.area(rles)))]
    return ImageResult(name, f"/x/{name}", w, h, anns)


def test_coco_dataset_and_results_load_in_pycocotools(tmp_path):
    results = [make_result("a.jpg"), ImageResult("bad.jpg", "/x/bad.jpg", error="corrupt"), make_result("b.jpg", 50, 20, 1)]
    with ResultWriter(tmp_path / "d.json", "coco", {3: "dog"}) as w:
        for r in results:
            w.add(r)
    with ResultWriter(tmp_path / "r.json", "coco-results", {3: "dog"}) as w:
        for r in results:
            w.add(r)
    gt = COCO(str(tmp_path / "d.json"))
    assert sorted(img["file_name"] for img in gt.dataset["images"]) == ["a.jpg", "b.jpg"]
    assert gt.loadCats([3])[0]["name"] == "dog"
    assert len(gt.getAnnIds()) == 3
    for ann in gt.loadAnns(gt.getAnnIds()):
        img = gt.loadImgs(ann["image_id"])[0]
        assert gt.annToMask(ann).shape == (img["height"], img["width"])
        assert isinstance(ann["segmentation"]["counts"], str) and ann["iscrowd"] == 0
    dt = gt.loadRes(str(tmp_path / "r.json"))
    assert len(dt.getAnnIds()) == 3
    assert {a["prompt_index"] for a in dt.loadAnns(dt.getAnnIds())} == {0, 1}
    # image ids stay tied to input order even when an image failed
    assert {img["id"] for img in gt.dataset["images"]} == {1, 3}


def test_jsonl_lists_every_image_including_failures_and_the_journal_streams(tmp_path):
    out = tmp_path / "o.jsonl"
    journal = Journal.open(journal_path(out), {"run": 1}, resume=False)
    with ResultWriter(out, "jsonl", image_ids={"a.jpg": 1, "bad.jpg": 2}, journal=journal) as w:
        w.add(ImageResult("bad.jpg", "/x/bad.jpg", error="corrupt"))
        w.add(make_result("a.jpg"))
        streamed = journal_path(out).read_text().splitlines()
        assert [json.loads(line).get("file") for line in streamed[1:]] == ["bad.jpg", "a.jpg"]  # as they finish
        assert not out.exists()  # the output appears whole, at the end
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["file"] == "a.jpg" and len(lines[0]["annotations"]) == 2  # image-id order
    assert lines[1] == {"image_id": 2, "file": "bad.jpg", "error": "corrupt"}
    # kept, as an image failed: --resume does only bad.jpg again
    assert Journal.open(journal_path(out), {"run": 1}, resume=True).done == {"a.jpg"}


def test_the_journal_goes_once_every_image_is_done(tmp_path):
    out = tmp_path / "o.jsonl"
    with ResultWriter(out, "jsonl", journal=Journal.open(journal_path(out), {"run": 1}, resume=False)) as w:
        w.add(make_result("a.jpg"))
    assert out.exists() and not journal_path(out).exists()


def test_jsonl_on_stdout_streams_a_line_per_image(capsys):
    with ResultWriter("-", "jsonl") as w:
        w.add(make_result("a.jpg"))
        assert json.loads(capsys.readouterr().out)["file"] == "a.jpg"  # printed before the run ends


def test_interrupted_run_still_writes_finished_images_and_keeps_its_journal(tmp_path):
    out = tmp_path / "d.json"
    journal = Journal.open(journal_path(out), {"run": 1}, resume=False)
    with pytest.raises(KeyboardInterrupt):
        with ResultWriter(out, "coco", journal=journal) as w:
            w.add(make_result("a.jpg"))
            raise KeyboardInterrupt
    assert [i["file_name"] for i in json.loads(out.read_text())["images"]] == ["a.jpg"]
    assert Journal.open(journal_path(out), {"run": 1}, resume=True).done == {"a.jpg"}


def test_streamed_coco_is_what_json_dump_writes(tmp_path):
    """The output is written piece by piece (flat memory) yet byte-identical to
    json.dump of the whole document: what makes merged shards equal a single run."""
    out = tmp_path / "d.json"
    with ResultWriter(out, "coco", {3: "dog"}, {"description": "x"}) as w:
        for r in (make_result("a.jpg"), make_result("b.jpg", n=0), make_result("c.jpg", n=3)):
            w.add(r)
    doc = json.loads(out.read_text())
    assert out.read_text() == json.dumps(doc) and [a["id"] for a in doc["annotations"]] == [1, 2, 3, 4, 5]


def test_mask_pngs_and_overlay(tmp_path):
    result = make_result("sub/a.jpg")
    MaskPngWriter(tmp_path).add(result)
    from PIL import Image

    png = np.asarray(Image.open(tmp_path / "sub/a.jpg/1.png"))  # the whole file name: a.png would not collide
    assert png.shape == (30, 40) and set(np.unique(png)) == {0, 255}
    assert (png > 0).sum() == result.annotations[1].area
    image = np.full((30, 40, 3), 100, np.uint8)
    over = render_overlay(image, result)
    assert over.shape == image.shape and (over != image).any()
    nothing = ImageResult("b.jpg", "/x/b.jpg", 40, 30)  # an image without masks still gets its overlay
    assert (render_overlay(image, nothing) == image).all()
