"""`samcli everything` through the CLI with deterministic-weights checkpoints
reproduces the reference generators (grid: MobileSAM + Meta's AMG; hierarchical:
TinySAM), and --stats shows hierarchical decoding fewer prompts."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from pycocotools.coco import COCO

from tests.cli_helpers import samcli
from tests.everything_parity import check_record
from tests.parity import IMAGES_DIR, golden

FLAGS = ("points_per_side", "points_per_batch", "pred_iou_thresh", "stability_score_thresh", "stability_score_offset",
         "box_nms_thresh", "crop_n_layers", "crop_nms_thresh", "crop_overlap_ratio", "crop_n_points_downscale_factor",
         "min_mask_region_area", "high_score_thresh")


def reference_flags(g, run: str) -> list[str]:
    args = json.loads(str(g[run + "/args"]))
    return [x for k in FLAGS if k in args for x in (f"--{k.replace('_', '-')}", repr(args[k]))]


def as_record(ann: dict) -> SimpleNamespace:
    extra = {k: ann[k] for k in ("predicted_iou", "stability_score", "point_coords", "crop_box", "round") if k in ann}
    return SimpleNamespace(rle=ann["segmentation"], bbox=ann["bbox"], area=ann["area"], extra=extra)


def run_cli(tmp_path, model: str, checkpoint, *flags):
    out = tmp_path / "out.json"
    run = samcli("everything", IMAGES_DIR / "dog.jpg", "--model", model, "--checkpoint", checkpoint,
                 "--out", out, "--stats", "--quiet", *flags)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    COCO(str(out))  # loads
    return doc, run.stderr


RUNS = [
    pytest.param("hier", id="hierarchical"),
    pytest.param("amg_nonms", id="grid"),
    pytest.param("amg", id="grid-nms"),
    pytest.param("amg_crop", id="grid-crops"),
]


@pytest.mark.parametrize("run", RUNS)
def test_everything_cli_matches_reference(parity_checkpoint, tmp_path, run):
    hierarchical = run == "hier"
    model, fixture = ("tinysam", "tinysam") if hierarchical else ("mobilesam", "mobilesam")
    g = golden(fixture)
    flags = reference_flags(g, run) + (["--hierarchical"] if hierarchical else [])
    doc, stderr = run_cli(tmp_path, model, parity_checkpoint(fixture), *flags)
    anns = doc["annotations"]
    points = g[run + "/point_coords"]
    assert len(anns) == len(points)
    counts_key = "rle_counts" if hierarchical else "counts"
    tol = dict(stab_atol=5e-5, area_rtol=2e-3, min_iou=0.998, bbox_atol=0) if hierarchical else \
        dict(stab_atol=1e-3, area_rtol=1e-3, min_iou=0.999, bbox_atol=1)
    matched = []
    for ann in anns:
        j = int(np.abs(points - np.asarray(ann["point_coords"][0])).max(axis=1).argmin())
        matched.append(j)
        check_record(as_record(ann), g, run, j, counts_key=counts_key, worst={}, **tol)
    assert sorted(matched) == list(range(len(points)))
    assert "decoder prompts evaluated" in stderr
    (image,) = doc["images"]
    if hierarchical:  # --stats: per-round prompt counts land in the output
        assert image["stats"]["prompts_per_round"] == [int(g["hier/points_round1"]), int(g["hier/points_round2"])]
