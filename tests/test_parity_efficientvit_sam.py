"""Parity of EfficientViT-SAM L0 (512 px encoder) and XL0 (1024 px) against the
reference goldens, loaded through samcli's loader (BatchNorm folded)."""
from __future__ import annotations

import pytest

from tests.parity import IMAGES_DIR, assert_close_rel, golden
from tests.sam_head_parity import check_model_level, check_pipeline, load_rgb, run_pipeline

# fixture README: |ours - golden| <= 1e-4 + 2**-11 |golden| (the float16 storage
# bound plus ~10x the float32 kernel spread); IoU predictions atol 1e-4
RTOL, ATOL, IOU_ATOL = 2**-11, 1e-4, 1e-4



def stored_tokens(g):
    """These goldens carry no `multimask` flag: a set stored with 3 masks per prompt
    was decoded with multimask_output=True (tokens 1..3), one mask means token 0."""
    return lambda prefix: [1, 2, 3] if g[prefix + "low_res_logits"].shape[-3] == 3 else [0]


MODELS = [("efficientvit-sam-l0", "efficientvit_sam_l0"), ("efficientvit-sam-xl0", "efficientvit_sam_xl0")]
#: the size dog.jpg (534x800) is resized to before padding, per the fixture READMEs
ENCODER_CONTENT_HW = {"efficientvit_sam_l0": (342, 512), "efficientvit_sam_xl0": (684, 1024)}


@pytest.mark.parametrize("model_id,fixture", MODELS)
def test_efficientvit_sam_model_level(parity_model, model_id, fixture):
    g = golden(fixture)
    check_model_level(parity_model(model_id, fixture), g, RTOL, ATOL, IOU_ATOL, tokens_for=stored_tokens(g))


@pytest.mark.parametrize("model_id,fixture", MODELS)
def test_efficientvit_sam_pipeline(parity_model, model_id, fixture):
    g = golden(fixture)
    model = parity_model(model_id, fixture)
    image = load_rgb(IMAGES_DIR / "dog.jpg")
    # the encoder's S-pixel letterbox and the 1024 prompt frame are sized separately
    assert tuple(model.preprocess(image).shape[:2]) == ENCODER_CONTENT_HW[fixture]
    emb, geom = run_pipeline(model, image)
    assert geom.prompt_hw == tuple(g["pipe/input_hw_1024"])
    assert_close_rel(emb, g["pipe/embedding"], RTOL, ATOL, "pipe embedding")
    # with Pillow's own resize the model-level tolerances hold end to end
    check_pipeline(model, g, image, stored_tokens(g), logit_rtol=RTOL, logit_atol=ATOL, score_atol=IOU_ATOL, min_iou=0.999)
