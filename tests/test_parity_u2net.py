"""U²-Net / U²-Net-small parity against the reference `u2net_test.py` goldens
(shared/parity/u2net*/README.md), through samcli's own loader (BatchNorm folded)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.salient.u2net_maps import U2NetSaliency, normalize_prediction
from tests.parity import IMAGES_DIR, assert_close_rel, golden
from tests.sam_head_parity import load_rgb

MODELS = [("u2netp", "u2netp"), ("u2net", "u2net")]


@pytest.mark.parametrize("model_id,fixture", MODELS)
@torch.no_grad()
def test_u2net_model_level(parity_model, model_id, fixture):
    g = golden(fixture)
    source = U2NetSaliency(parity_model(model_id, fixture))
    x = source.preprocess(g["model/image_uint8"])[None]
    assert_close_rel(x, g["model/input"], 0, 1e-5, "input")
    out = source.model(x)
    for i in range(7):  # README: ≤ 1e-3 against the float16 golden
        assert_close_rel(out[:, i:i + 1], g[f"model/d{i}"], 0, 1e-3, f"d{i}")


@pytest.mark.parametrize("model_id,fixture", MODELS)
@torch.no_grad()
def test_u2net_pipeline(parity_model, model_id, fixture):
    g = golden(fixture)
    source = U2NetSaliency(parity_model(model_id, fixture))
    image = load_rgb(IMAGES_DIR / "dog.jpg")
    x = source.preprocess(image)[None]
    assert_close_rel(x, g["pipe/input"], 0, 1e-5, "pipe input")
    d0 = source.model(x)[:, :1]
    assert_close_rel([d0.min(), d0.max()], g["pipe/pred_min_max"], 0, 1e-5, "pred min/max")
    pred_norm = normalize_prediction(d0)[0]
    assert_close_rel(pred_norm, g["pipe/pred_norm"], 0, 1e-3, "pred_norm")
    # the whole path the product runs, from our own float32 pred_norm
    (saliency,) = source.saliency_maps([image])
    gold = g["pipe/saliency_uint8"]
    assert saliency.shape == gold.shape == tuple(g["pipe/image_hw"]) and saliency.dtype == np.uint8
    diff = np.abs(saliency.astype(np.int16) - gold)
    # README: max 1 level, ≤ 0.1 % of pixels (truncation-boundary values)
    assert diff.max() <= 1 and (diff > 0).mean() <= 1e-3, (diff.max(), (diff > 0).mean())
