"""EdgeSAM against the reference goldens (`shared/parity/edgesam/README.md`).

The model under test is the one that ships: loaded through samcli's loader, so
BatchNorm and RepVGGDW are already fused. Tolerances are the README's.
"""
from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
import torch
from torch import nn

from samcli.models.base import PromptTensors
from samcli.models.edgesam import EdgeSam
from samcli.models.encoders.repvit import RepVGGDW
from samcli.ops.masks import stability_score
from tests import parity
from tests.parity import IMAGES_DIR, assert_close_rel, mask_iou, unpack_masks
from tests.sam_head_parity import (PROMPT_SETS, embed_golden_image, golden_prompts, load_rgb,
                                   pipeline_prompts, run_pipeline)

LOGIT_MAX = 2e-3
IOU_ATOL = 1e-4
STABILITY_ATOL = 1e-3
MIN_MASK_IOU = 0.999


@pytest.fixture(scope="module")
def g():
    return parity.golden("edgesam")


@pytest.fixture(scope="module")
def model(parity_model):
    return parity_model("edgesam", "edgesam")


@pytest.fixture(scope="module")
def embedding(model, g):
    return embed_golden_image(model, g)


@pytest.fixture(scope="module")
def dog():
    return load_rgb(IMAGES_DIR / "dog.jpg")


def present_sets(g, level: str, marker: str):
    return [name for name in PROMPT_SETS if f"{level}/{name}/{marker}" in g.files]


def check_stored_tokens(low, iou, g, prefix: str, score_key: str, multimask: bool) -> None:
    """The tokens the reference returned (1..3 or 0): logits, IoU-head scores and
    their stability scores, each reshaped to the golden's layout."""
    tokens = [1, 2, 3] if multimask else [0]
    gold_low = g[prefix + "low_res_logits"]
    ours_low = low[:, tokens].reshape(gold_low.shape)
    assert_close_rel(ours_low, gold_low, 0, LOGIT_MAX, prefix + "low_res_logits")
    gold_score = g[prefix + score_key]
    assert_close_rel(iou[:, tokens].reshape(gold_score.shape), gold_score, 0, IOU_ATOL, prefix + score_key)
    assert_close_rel(stability_score(ours_low), g[prefix + "stability"], 0, STABILITY_ATOL, prefix + "stability")


def test_checkpoint_names_and_shapes_match_reference(g):
    keys = json.loads((parity.fixture_dir("edgesam") / "keys.json").read_text())["tensors"]
    ours = {k: list(v.shape) for k, v in EdgeSam().state_dict().items()}
    assert ours == {k: shape for k, shape, _ in keys}


def test_embedding(embedding, g):
    gold = g["model/embedding"].astype(np.float32)
    diff = np.abs(embedding.numpy() - gold)
    assert diff.max() <= 3e-3, f"embedding max |d| {diff.max():.3g} > 3e-3"
    assert diff.mean() <= 3e-4, f"embedding mean |d| {diff.mean():.3g} > 3e-4"


@pytest.mark.parametrize("name", PROMPT_SETS)
def test_decoder(model, embedding, g, name):
    prefix = f"model/{name}/"
    multimask = prefix + "token0_low_res_logits" in g.files
    with torch.no_grad():
        low, iou = model.decode(embedding, golden_prompts(g, prefix))
    check_stored_tokens(low, iou, g, prefix, "iou", multimask)
    if multimask:  # the num_multimask_outputs=4 call: token 0 then tokens 1..3
        assert_close_rel(low[:, :1], g[prefix + "token0_low_res_logits"], 0, LOGIT_MAX, "token0 logits")
        assert_close_rel(iou, g[prefix + "mm4_iou"], 0, IOU_ATOL, "mm4_iou")
        assert_close_rel(stability_score(low), g[prefix + "mm4_stability"], 0, STABILITY_ATOL, "mm4_stability")


def test_resize_is_bit_exact(model, g, dog):
    resized = model.preprocess(dog).numpy()
    assert resized.shape[:2] == tuple(g["pipe/input_hw"])
    assert zlib.crc32(np.ascontiguousarray(resized).tobytes()) == int(g["pipe/resized_crc32"])


@pytest.fixture(scope="module")
def pipeline(model, dog, g):
    emb, geom = run_pipeline(model, dog)
    assert geom.prompt_hw == tuple(g["pipe/input_hw"])
    return emb, geom


def decode_pipeline_set(model, pipeline, g, prefix: str):
    emb, geom = pipeline
    prompts = pipeline_prompts(model, geom, g, prefix)
    with torch.no_grad():
        low, iou = model.decode(emb, prompts)
    return prompts, low, iou


def assert_masks(model, low, geom, g, key: str) -> None:
    masks = model.binarize(model.upscale(low, geom)).numpy()
    gold = unpack_masks(g, key).reshape(masks.shape)
    for i in np.ndindex(masks.shape[:2]):
        value = mask_iou(masks[i], gold[i])
        assert value >= MIN_MASK_IOU, f"{key} {i}: IoU {value:.5f} < {MIN_MASK_IOU}"


@pytest.mark.parametrize("name", PROMPT_SETS)
def test_pipeline(model, pipeline, g, name):
    prefix = f"pipe/{name}/"
    multimask = prefix + "token0_masks" in g.files
    prompts, low, iou = decode_pipeline_set(model, pipeline, g, prefix)
    check_stored_tokens(low, iou, g, prefix, "scores", multimask)
    tokens = [1, 2, 3] if multimask else [0]
    assert_masks(model, low[:, tokens], pipeline[1], g, prefix + "masks")
    if multimask:
        assert_masks(model, low[:, :1], pipeline[1], g, prefix + "token0_masks")
        assert_close_rel(stability_score(low[0]), g[prefix + "mm4_scores"], 0, STABILITY_ATOL, "mm4_scores")


@pytest.mark.parametrize("name", PROMPT_SETS)
def test_auto_selection_is_the_demos(model, pipeline, g, name):
    """Point prompts: the demo shows argmax of the 4 stability scores; boxes: token 0."""
    prefix = f"pipe/{name}/"
    prompts, low, iou = decode_pipeline_set(model, pipeline, g, prefix)
    chosen = model.select(low, iou, prompts, "auto").tolist()
    if prefix + "mm4_best" in g.files:
        assert chosen == [int(g[prefix + "mm4_best"])]
    elif prompts.has_box:
        assert chosen == [0] * len(prompts)
    else:  # multi-point sets stored only their single-mask output: nothing to compare
        assert 0 <= chosen[0] < 4


def test_select_modes():
    # token 0 most stable for prompt 0, token 2 for prompt 1 (all-below-threshold
    # tokens score 0/0); the IoU head prefers token 3
    low = torch.full((2, 4, 8, 8), -5.0)
    low[0, 0] = 5.0
    low[1, 2] = 5.0
    low[:, 1, :4] = 0.5  # above -1 but not above +1: stability 0
    iou = torch.tensor([[0.1, 0.2, 0.3, 0.9], [0.9, 0.2, 0.3, 0.4]])
    points = PromptTensors(torch.zeros(2, dtype=torch.long), torch.zeros(2, 1, 2), torch.ones(2, 1, dtype=torch.long))
    boxed = PromptTensors(torch.zeros(2, dtype=torch.long), boxes=torch.zeros(2, 4))
    m = EdgeSam()
    assert m.select(low, iou, points, "auto").tolist() == [0, 2]
    assert m.select(low, iou, boxed, "auto").tolist() == [0, 0]
    assert m.select(low, iou, points, "always").tolist() == [3, 3]
    assert m.select(low, iou, points, "never").tolist() == [0, 0]
    # an empty mask (0/0 stability) is never the most stable
    low[0] = -5.0
    low[0, 3, 0, 0] = 5.0
    assert m.select(low, iou, points, "auto").tolist()[0] == 3


def test_fusion_changes_outputs_by_float_noise_only(model):
    """The shipped (fused) encoder against the reference's unfused structure."""
    unfused = EdgeSam()
    unfused.load_state_dict(parity.deterministic_state_dict("edgesam"))
    unfused.eval()
    fused = model.image_encoder
    assert not any(isinstance(m, (nn.BatchNorm2d, RepVGGDW)) for m in fused.modules())
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref, ours = unfused.image_encoder(x), fused(x)
    # measured ~1e-5 on the 1024² golden image (embedding std 1.02): float rounding
    assert_close_rel(ours, ref, 0, 1e-4, "fused vs unfused encoder")
