"""--format yolo-seg / labelstudio, --polygons, and `samcli convert`: what each
writes, that YOLO classes survive the round trip, that polygons re-filled as
pycocotools and Ultralytics fill them match the masks, and that converting a
`coco` output gives the direct run's bytes for every format. Runs with the
fake disc model (tests/fake_models.py)."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image
from pycocotools.coco import COCO

from samcli.ops import rle
from samcli.writers.results import ResultWriter
from tests.cli_helpers import invoke
from tests.fake_models import write_checkpoint
from tests.format_jobs import SAMPLES, mask_iou, sample_gt_results

#: masks this small (COCO's "small") may lose much of their area to a polygon through pixel centres
TINY = 32 * 32


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Six small photos (one in a subfolder, one with no prompt), three categories."""
    root = tmp_path_factory.mktemp("formats")
    images = root / "images"
    (images / "sub").mkdir(parents=True)
    rng = np.random.default_rng(2)
    entries = []
    for i, name in enumerate(["a.jpg", "b.png", "c.jpg", "sub/d.jpg", "sub/e e&f.png"]):
        Image.fromarray(rng.integers(0, 255, (60 + 4 * i, 80, 3), dtype=np.uint8)).save(images / name)
        entries.append({"file": name, "prompts": [{"box": [5, 5, 40, 40], "category_id": 1 + i % 3},
                                                  {"points": [[60, 30 + i]], "category_id": 1 + (i + 1) % 3}]})
    Image.fromarray(rng.integers(0, 255, (50, 50, 3), dtype=np.uint8)).save(images / "nothing.png")
    prompts = root / "prompts.json"
    prompts.write_text(json.dumps({"categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"},
                                                  {"id": 3, "name": "a \"quoted\" <name>"}], "images": entries}))
    return images, prompts, write_checkpoint(root / "disc.pt")


def segment(job, out, *flags, images=None, prompts=None):
    result = invoke("segment", images or job[0], "-p", prompts or job[1], "-o", out, "-q", "--model", "disc",
                    "--checkpoint", job[2], *flags)
    return result


def tree(path: Path) -> dict[str, bytes]:
    """Every file an output consists of: a yolo-seg folder, or a labelstudio file and its config."""
    if path.is_dir():
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    files = {path.name: path.read_bytes()}
    config = path.parent / "labeling_config.xml"
    if config.is_file():
        files[config.name] = config.read_bytes()
    return files


CASES = [("coco", []), ("coco", ["--polygons"]), ("coco-results", ["--polygons", "--polygon-parts", "largest"]),
         ("jsonl", []), ("jsonl", ["--polygons", "--min-area", "30"]), ("yolo-seg", []),
         ("yolo-seg", ["--polygon-parts", "largest", "--min-area", "20"]), ("labelstudio", []),
         ("labelstudio", ["--ls-polygons", "--ls-image-root", "s3://bucket/photos/", "--ls-from-name", "tag",
                          "--ls-to-name", "photo"])]


@pytest.mark.parametrize("fmt,flags", CASES, ids=[f"{f}{''.join(x[:1])}" for f, x in CASES])
def test_convert_writes_the_bytes_of_the_direct_run(job, tmp_path, fmt, flags):
    coco = tmp_path / "run.json"
    assert segment(job, coco).exit_code == 0
    name = "labels" if fmt == "yolo-seg" else "out.json"
    direct, converted = tmp_path / "direct" / name, tmp_path / "converted" / name
    assert segment(job, direct, "-f", fmt, *flags).exit_code == 0
    result = invoke("convert", coco, "--to", fmt, "-o", converted, *flags)
    assert result.exit_code == 0, result.output
    assert tree(converted) == tree(direct) and tree(direct)


def test_yolo_prompts_come_back_as_the_same_classes_and_names(job, tmp_path):
    """sample_data's YOLO labels → yolo-seg: each box's class index and the class names survive;
    and without names, sparse classes (0 and 3) keep their indices."""
    out = tmp_path / "labels"
    result = invoke("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "yolo", "-o", out, "-f", "yolo-seg",
                    "-q", "--model", "disc", "--checkpoint", job[2])
    assert result.exit_code == 0, result.output
    given = yaml.safe_load((SAMPLES / "prompts" / "yolo" / "data.yaml").read_text())["names"]
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == given
    for label in (SAMPLES / "prompts" / "yolo").glob("*.txt"):
        classes_in = [line.split()[0] for line in label.read_text().splitlines() if line.strip()]
        classes_out = [line.split()[0] for line in (out / label.name).read_text().splitlines()]
        assert classes_out == classes_in, label.name
    assert (out / "groceries.txt").read_text() == ""  # an image with no prompt: an empty label file

    sparse = tmp_path / "sparse"
    sparse.mkdir()
    (sparse / "a.txt").write_text("3 0.5 0.5 0.4 0.4\n0 0.2 0.2 0.2 0.2\n")
    out = tmp_path / "sparse_labels"
    assert segment(job, out, "-f", "yolo-seg", prompts=sparse).exit_code == 0
    assert [line.split()[0] for line in (out / "a.txt").read_text().splitlines()] == ["3", "0"]
    assert yaml.safe_load((out / "data.yaml").read_text())["names"] == {0: "0", 1: "1", 2: "2", 3: "3"}


def test_yolo_seg_lines_files_and_refusals(job, tmp_path):
    out = tmp_path / "labels"
    (out / "broken.txt").parent.mkdir(parents=True)
    (out / "broken.txt").write_text("0 0.1 0.1 0.2 0.2 0.3 0.1\n")  # stale, from an earlier run
    images = tmp_path / "images"
    images.mkdir()
    for name in ["a.jpg", "nothing.png"]:
        (images / name).write_bytes((job[0] / name).read_bytes())
    (images / "broken.png").write_bytes(b"not a png")
    assert segment(job, out, "-f", "yolo-seg", images=images).exit_code == 1  # broken.png failed
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "data.yaml", "nothing.txt"]
    assert (out / "nothing.txt").read_text() == ""
    lines = (out / "a.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["0", "1"]  # categories 1, 2 → classes 0, 1
    for line in lines:
        values = line.split()[1:]
        assert len(values) >= 6 and len(values) % 2 == 0
        assert all(len(v.split(".")[1]) == 6 and 0 <= float(v) <= 1 for v in values)
    assert yaml.safe_load((out / "data.yaml").read_text()) == {"names": {0: "cat", 1: "dog", 2: 'a "quoted" <name>'}}

    (images / "a.png").write_bytes((job[0] / "b.png").read_bytes())
    clash = segment(job, tmp_path / "clash", "-f", "yolo-seg", images=images)
    assert clash.exit_code == 2 and "'a.jpg' and 'a.png'" in clash.output and "a.txt" in clash.output
    assert not (tmp_path / "clash").exists()
    for bad in (["-f", "yolo-seg", "--polygons"], ["-f", "coco", "--ls-polygons"], ["-f", "coco", "--polygon-parts", "x"]):
        assert segment(job, tmp_path / "o.json", *bad).exit_code == 2, bad
    assert invoke("segment", job[0], "-p", job[1], "-f", "labelstudio", "--model", "disc").exit_code == 2  # stdout


def test_labelstudio_tasks_and_config(job, tmp_path):
    out = tmp_path / "ls" / "tasks.json"
    assert segment(job, out, "-f", "labelstudio").exit_code == 0
    tasks = json.loads(out.read_text())
    assert [t["data"]["image"] for t in tasks][-2:] == ["/data/local-files/?d=sub/d.jpg",
                                                        "/data/local-files/?d=sub/e%20e%26f.png"]
    first = tasks[0]["predictions"][0]
    assert first["model_version"].startswith("disc@") and len(first["model_version"]) == len("disc@") + 12
    region = first["result"][0]
    assert region["type"] == "brushlabels" and region["value"]["brushlabels"] == ["cat"]
    assert (region["from_name"], region["to_name"], region["original_width"]) == ("label", "image", 80)
    assert tasks[[t["data"]["image"] for t in tasks].index("/data/local-files/?d=nothing.png")]["predictions"][0][
        "result"] == []
    config = (tmp_path / "ls" / "labeling_config.xml").read_text()
    assert '<BrushLabels name="label" toName="image">' in config
    assert '<Label value=\'a "quoted" &lt;name&gt;\'/>' in config


def test_polygons_refilled_match_the_masks_on_the_samples(job, tmp_path):
    """The samples' hand-drawn masks (sample_data/eval) and the masks `segment` writes for
    the sample prompts: COCO polygons filled by pycocotools' annToMask, and yolo-seg lines
    filled as Ultralytics does, against each mask. IoU per annotation is printed."""
    gt = tmp_path / "gt.json"
    with ResultWriter(gt, "coco", {k: f"c{k}" for k in range(1, 10)}) as writer:
        for result in sample_gt_results():
            writer.add(result)
    run = tmp_path / "run.json"
    assert invoke("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "prompts.json", "-o", run, "-q",
                  "--model", "disc", "--checkpoint", job[2]).exit_code == 0
    for source in (gt, run):
        polygons, labels = tmp_path / f"{source.stem}_poly.json", tmp_path / f"{source.stem}_labels"
        assert invoke("convert", source, "--to", "coco", "--polygons", "-o", polygons).exit_code == 0
        assert invoke("convert", source, "--to", "yolo-seg", "-o", labels).exit_code == 0
        masks, filled = COCO(str(source)), COCO(str(polygons))
        for ann_id in masks.getAnnIds():
            ann = masks.anns[ann_id]
            img = masks.imgs[ann["image_id"]]
            mask = rle.decode(ann["segmentation"])
            coco_iou = mask_iou(filled.annToMask(filled.anns[ann_id]) > 0, mask)
            line = (labels / Path(img["file_name"]).with_suffix(".txt")).read_text().splitlines()[
                masks.getAnnIds(imgIds=[img["id"]]).index(ann_id)]
            yolo_iou = mask_iou(yolo_refill(line, img["width"], img["height"]), mask)
            print(f"{source.stem} {img['file_name']} ann {ann_id} area {ann['area']}: "
                  f"COCO polygon IoU {coco_iou:.4f}, yolo-seg IoU {yolo_iou:.4f}")
            if ann["area"] >= TINY:
                assert coco_iou >= 0.9 and yolo_iou >= 0.9
            assert filled.anns[ann_id]["area"] == ann["area"] and filled.anns[ann_id]["bbox"] == ann["bbox"]


def yolo_refill(line: str, width: int, height: int) -> np.ndarray:
    """A yolo-seg line → mask, as Ultralytics' polygon2mask does: scale, truncate, cv2.fillPoly."""
    xy = (np.array(line.split()[1:], float).reshape(-1, 2) * (width, height)).astype(np.int32)
    out = np.zeros((height, width), np.uint8)
    cv2.fillPoly(out, [xy], 1)
    return out > 0


def test_convert_refuses_what_it_cannot_read(job, tmp_path):
    polygons = tmp_path / "p.json"
    assert segment(job, polygons, "--polygons").exit_code == 0
    result = invoke("convert", polygons, "--to", "yolo-seg", "-o", tmp_path / "labels")
    assert result.exit_code == 2 and "annotations[0]: segmentation is not a compressed RLE" in result.output
    results_list = tmp_path / "r.json"
    assert segment(job, results_list, "-f", "coco-results").exit_code == 0
    result = invoke("convert", results_list, "--to", "labelstudio", "-o", tmp_path / "t.json")
    assert result.exit_code == 2 and "not a COCO dataset" in result.output
