"""Round trips through the consumers' own code: Label Studio (label-studio-sdk's
brush decoder, reference encoder and LabelInterface validator) and Datumaro
(CVAT's dataset library, its COCO importer). Both pin OpenCV < 5 and Pillow
versions the project's environment cannot hold, so they live in a venv of
their own (`make setup` builds .venv-consumers from tests/consumers/requirements.txt)
and run the scripts in tests/consumers/ on the files samcli wrote."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pycocotools.coco import COCO

from samcli.ops import rle
from samcli.writers.export import ExportOptions
from samcli.writers.results import ResultWriter
from tests.cli_helpers import REPO, invoke
from tests.fake_models import write_checkpoint
from tests.format_jobs import SAMPLES, awkward_masks, result_from_masks, sample_gt_results

CONSUMERS = Path(os.environ.get("SAMCLI_CONSUMERS_PYTHON", REPO / ".venv-consumers" / "bin" / "python"))


def consumer(script: str, *args) -> dict:
    if not CONSUMERS.is_file():
        message = (f"CONSUMERS' VENV ABSENT at {CONSUMERS} (`make setup` builds it): the Label Studio and "
                   "Datumaro round trips are NOT verified by this run")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run([str(CONSUMERS), str(REPO / "tests" / "consumers" / script), *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The same results as coco, coco --polygons and labelstudio (brush and polygons):
    `segment` on the samples (stand-in disc model), then the samples' hand-drawn masks
    and the awkward masks (holes, parts, border, one pixel, full frame, empty)."""
    root = tmp_path_factory.mktemp("consumers")
    ckpt = write_checkpoint(root / "disc.pt")
    files = {"coco": root / "run" / "coco.json", "polygons": root / "run" / "polygons.json",
             "brush": root / "run" / "ls" / "tasks.json", "ls_polygons": root / "run" / "lsp" / "tasks.json"}
    flags = {"coco": ["-f", "coco"], "polygons": ["-f", "coco", "--polygons"], "brush": ["-f", "labelstudio"],
             "ls_polygons": ["-f", "labelstudio", "--ls-polygons"]}
    for name, path in files.items():
        assert invoke("segment", SAMPLES / "images", "-p", SAMPLES / "prompts" / "prompts.json", "-o", path, "-q",
                      "--model", "disc", "--checkpoint", ckpt, *flags[name]).exit_code == 0
    made = sample_gt_results() + [result_from_masks("awkward.png", list(awkward_masks().values()))]
    written = {"coco": (root / "made" / "coco.json", "coco", ExportOptions()),
               "polygons": (root / "made" / "polygons.json", "coco", ExportOptions(polygons=True)),
               "brush": (root / "made" / "ls" / "tasks.json", "labelstudio", ExportOptions()),
               "ls_polygons": (root / "made" / "lsp" / "tasks.json", "labelstudio", ExportOptions(ls_polygons=True))}
    for path, fmt, export in written.values():
        with ResultWriter(path, fmt, {k: f"category {k}" for k in range(1, 10)}, export=export) as writer:
            for result in made:
                writer.add(result)
    return {"run": files, "made": {name: path for name, (path, _, _) in written.items()}}


@pytest.mark.parametrize("which", ["run", "made"])
def test_label_studio_decodes_every_brush_region_to_the_coco_mask(outputs, tmp_path, which):
    files = outputs[which]
    decoded = tmp_path / "decoded.npz"
    summary = consumer("label_studio_check.py", files["brush"], files["brush"].parent / "labeling_config.xml", decoded)
    coco = COCO(str(files["coco"]))
    assert summary["errors"] == [] and summary["decoded"] == summary["regions"] == len(coco.anns)
    assert summary["reference_bytes_equal"] == summary["decoded"]  # the reference encoder's very bytes
    masks = np.load(decoded)
    for image_id in coco.imgs:
        for k, ann_id in enumerate(coco.getAnnIds(imgIds=[image_id]), 1):
            assert (masks[f"{image_id}_{k}"] == rle.decode(coco.anns[ann_id]["segmentation"])).all()


@pytest.mark.parametrize("which", ["run", "made"])
def test_label_studio_accepts_the_polygon_predictions(outputs, tmp_path, which):
    tasks = outputs[which]["ls_polygons"]
    summary = consumer("label_studio_check.py", tasks, tasks.parent / "labeling_config.xml", tmp_path / "none.npz")
    assert summary["errors"] == [] and summary["regions"] > 0 and summary["decoded"] == 0


@pytest.mark.parametrize("which", ["run", "made"])
def test_datumaro_imports_coco_with_rle_and_with_polygons(outputs, tmp_path, which):
    files = outputs[which]
    coco = COCO(str(files["coco"]))
    names = [c["name"] for c in coco.dataset["categories"]]
    rle_summary = consumer("datumaro_check.py", files["coco"], tmp_path / "rle.npz")
    assert rle_summary["items"] == len(coco.imgs) and rle_summary["labels"] == names
    assert rle_summary["kinds"]["RleMask"] == len(coco.anns)
    masks = np.load(tmp_path / "rle.npz")
    for ann_id, ann in coco.anns.items():
        assert (masks[str(ann_id)] == rle.decode(ann["segmentation"])).all()

    polygons = COCO(str(files["polygons"]))
    as_polygons = {i for i, a in polygons.anns.items() if isinstance(a["segmentation"], list)}
    poly_summary = consumer("datumaro_check.py", files["polygons"], tmp_path / "poly.npz")
    assert poly_summary["items"] == len(coco.imgs) and poly_summary["labels"] == names
    assert poly_summary["kinds"]["Polygon"] == len(as_polygons) > 0
    assert poly_summary["kinds"].get("RleMask", 0) == len(coco.anns) - len(as_polygons)  # empty masks keep RLE
    for ann_id in as_polygons:
        assert poly_summary["polygon_vertices"][str(ann_id)] == len(polygons.anns[ann_id]["segmentation"][0]) // 2
