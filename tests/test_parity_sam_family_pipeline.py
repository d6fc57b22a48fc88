"""Pipeline-level parity: the original dog.jpg through samcli's preprocessing,
decoder and mask upscaling, against the reference predictor's outputs."""
from __future__ import annotations

import pytest

from tests.parity import IMAGES_DIR, golden
from tests.sam_head_parity import check_pipeline, load_rgb


def sam_tokens(g):
    return lambda prefix: [1, 2, 3] if bool(g[prefix + "multimask"]) else [0]


@pytest.mark.parametrize("model_id,fixture", [("sam-vit-b", "sam_vit_b"), ("mobilesam", "mobilesam")])
def test_sam_head_pipeline(parity_model, model_id, fixture):
    g = golden(fixture)
    # with Pillow's own resize the model-level tolerances hold; masks IoU >= 0.999
    check_pipeline(parity_model(model_id, fixture), g, load_rgb(IMAGES_DIR / "dog.jpg"), sam_tokens(g),
                   logit_rtol=1e-3, logit_atol=1e-3, score_atol=1e-4, min_iou=0.999)


def test_tinysam_pipeline(parity_model):
    g = golden("tinysam")
    check_pipeline(parity_model("tinysam", "tinysam"), g, load_rgb(IMAGES_DIR / "dog.jpg"), lambda p: [1, 2, 3],
                   logit_rtol=1e-3, logit_atol=1e-4, score_atol=1e-4, min_iou=0.998)
