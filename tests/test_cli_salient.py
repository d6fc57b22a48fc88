"""`samcli salient` end to end on CPU with the weight-free saliency source."""
from __future__ import annotations

import json
import shutil

import numpy as np
from PIL import Image

from tests.cli_helpers import REPO, samcli


def test_salient_writes_a_cutout_per_image_and_reports_images_without_object(parity_checkpoint, tmp_path):
    images = tmp_path / "images"
    shutil.copytree(REPO / "sample_data" / "images", images)
    Image.fromarray(np.full((120, 160, 3), 128, np.uint8)).save(images / "flat.png")  # nothing stands out
    out = tmp_path / "out"
    run = samcli("salient", images, "--sod", "spectral", "--model", "mobilesam", "--checkpoint",
                 parity_checkpoint("mobilesam"), "-o", out / "annotations.json", "--save-cutouts", out / "cutouts",
                 "--save-saliency", out / "saliency", "--pad", "4")
    assert run.returncode == 0, run.stderr
    assert "no salient object" in run.stderr and "flat.png" in run.stderr
    photos = sorted(p.name for p in images.glob("*.jpg"))
    assert sorted(p.stem for p in (out / "cutouts").glob("*.png")) == photos  # cutouts/<image file name>.png
    for name in photos:
        cut = np.asarray(Image.open(out / "cutouts" / f"{name}.png"))
        assert cut.ndim == 3 and cut.shape[2] == 4 and cut[..., 3].max() == 255
        sal = np.asarray(Image.open(out / "saliency" / f"{name}.png"))
        assert sal.shape == np.asarray(Image.open(images / name)).shape[:2] and sal.dtype == np.uint8
    doc = json.loads((out / "annotations.json").read_text())
    assert len(doc["annotations"]) == len(photos)
    for ann in doc["annotations"]:
        assert 1 <= len(ann["point_coords"]) <= 5 and ann["point_labels"] == [1] * len(ann["point_coords"])
