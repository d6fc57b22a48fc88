"""EfficientSAM-Ti/S parity (model level on the square golden image, pipeline
level on the original dog.jpg) plus the prompt conversions the goldens cannot see."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from samcli.engine.pipeline import Job, PipelineOptions
from samcli.engine.segment import SegmentOptions, Segmenter
from samcli.errors import InputError
from samcli.io.images import ImageRef
from samcli.io.prompts.types import Prompt
from samcli.models.base import PromptTensors
from samcli.ops import rle
from tests.parity import IMAGES_DIR, assert_close_rel, assert_close_ulp, golden, mask_iou, unpack_masks
from tests.sam_head_parity import PROMPT_SETS, embed_golden_image, load_rgb, run_pipeline

MODELS = [("efficientsam-ti", "efficientsam_vitt"), ("efficientsam-s", "efficientsam_vits")]
CANDIDATES = [1, 2, 3]


def as_prompts(points: np.ndarray, labels: np.ndarray, boxes_as_corners: bool = False) -> PromptTensors:
    """Golden (Q, N, 2) points / (Q, N) labels → one decoder batch. The goldens
    hold a box as trailing label-2/3 points; unless `boxes_as_corners`, those go
    into `boxes`, so the model's own box → corner conversion is what is tested."""
    labels = labels.astype(np.int64)
    corner = labels >= 2 if not boxes_as_corners else np.zeros_like(labels, dtype=bool)
    q = points.shape[0]
    has_box = bool(corner.any())
    coords = points[~corner].reshape(q, -1, 2)
    plain = labels[~corner].reshape(q, -1)
    return PromptTensors(
        image_index=torch.zeros(q, dtype=torch.long),
        coords=torch.from_numpy(coords.astype(np.float32)) if coords.shape[1] else None,
        labels=torch.from_numpy(plain) if coords.shape[1] else None,
        boxes=torch.from_numpy(points[corner].reshape(q, 4).astype(np.float32)) if has_box else None,
    )


def model_prompts(g, name: str, **kw) -> PromptTensors:
    pre = f"model/{name}/"
    pts, lab = g[pre + "points"][0], g[pre + "labels"][0]
    return as_prompts(pts, lab, **kw)


@pytest.fixture(scope="session")
def encoded(parity_model):
    """encoded(model_id, fixture, "model"|"pipe") → (model, embedding[, geometry]), encoded once."""
    cache = {}

    def make(model_id: str, fixture: str, level: str):
        key = (model_id, level)
        if key not in cache:
            model, g = parity_model(model_id, fixture), golden(fixture)
            if level == "model":
                cache[key] = (model, embed_golden_image(model, g), None)
            else:
                cache[key] = (model, *run_pipeline(model, load_rgb(IMAGES_DIR / "dog.jpg")))
        return cache[key]

    return make


@pytest.mark.parametrize("model_id,fixture", MODELS)
@torch.no_grad()
def test_efficientsam_model_level(encoded, model_id, fixture):
    # README: |d| <= 0.5 ulp(g) + 1e-4 on the float16 golden; iou 1e-4
    g = golden(fixture)
    model, emb, _ = encoded(model_id, fixture, "model")
    assert_close_ulp(emb, g["model/embedding"], 1e-4, "embedding")
    for name in PROMPT_SETS:
        pre = f"model/{name}/"
        low, iou = model.decode(emb, model_prompts(g, name))
        gold_low = g[pre + "low_res_logits"]
        tokens = CANDIDATES if gold_low.shape[2] == 3 else [0]
        assert_close_ulp(low[:, tokens].reshape(gold_low.shape), gold_low, 1e-4, f"{name} logits")
        assert_close_rel(iou[:, tokens].reshape(g[pre + "iou"].shape), g[pre + "iou"], 0, 1e-4, f"{name} iou")


@pytest.mark.parametrize("model_id,fixture", MODELS)
@torch.no_grad()
def test_efficientsam_pipeline(encoded, model_id, fixture):
    # README: picked per query; mask IoU >= 0.999 per candidate; scores 1e-4;
    # low-res logits with the model-level criterion (our resize is torch's own)
    g = golden(fixture)
    model, emb, geom = encoded(model_id, fixture, "pipe")
    assert geom.original_hw == tuple(g["pipe/image_hw"])
    for name in PROMPT_SETS:
        pre = f"pipe/{name}/"
        points = geom.to_prompt_frame(g[pre + "points"][0]).astype(np.float32)
        prompts = as_prompts(points, g[pre + "labels"][0])
        low, iou = model.decode(emb, prompts)
        gold_low = g[pre + "low_res_logits"]
        assert_close_ulp(low[:, CANDIDATES].reshape(gold_low.shape), gold_low, 1e-4, f"{name} low-res logits")
        assert_close_rel(iou[:, CANDIDATES].reshape(g[pre + "scores"].shape), g[pre + "scores"], 0, 1e-4, f"{name} scores")
        picked = model.select(low, iou, prompts, "auto") - 1
        np.testing.assert_array_equal(picked.numpy(), g[pre + "picked"][0], err_msg=f"{name} picked")
        masks = model.binarize(model.upscale(low[:, CANDIDATES], geom)).numpy()
        gold = unpack_masks(g, pre + "masks").reshape(masks.shape)
        for i in np.ndindex(masks.shape[:2]):
            assert mask_iou(masks[i], gold[i]) >= 0.999, f"{name} mask {i}: IoU {mask_iou(masks[i], gold[i]):.5f}"


@torch.no_grad()
def test_boxes_equal_explicit_corner_points(encoded):
    """A box is exactly its two corners with labels 2 and 3, after the points."""
    g = golden("efficientsam_vitt")
    model, emb, _ = encoded("efficientsam-ti", "efficientsam_vitt", "model")
    for name in ("p4_box_point", "p5_boxes"):
        as_box = model_prompts(g, name)
        as_corners = model_prompts(g, name, boxes_as_corners=True)
        assert as_box.boxes is not None and as_corners.boxes is None
        for a, b in zip(model.decode(emb, as_box), model.decode(emb, as_corners)):
            assert torch.equal(a, b), name


@torch.no_grad()
def test_negative_coordinates_become_minus_one(encoded):
    model, emb, _ = encoded("efficientsam-ti", "efficientsam_vitt", "model")

    def decode(xy):
        pts = torch.tensor([[[300.0, 400.0], xy]])
        return model.decode(emb, PromptTensors(torch.zeros(1, dtype=torch.long), pts, torch.tensor([[1, 0]])))

    for a, b in zip(decode([-7.0, 250.0]), decode([-1.0, 250.0])):
        assert torch.equal(a, b)


def test_more_than_six_points_is_refused(encoded):
    model, emb, _ = encoded("efficientsam-ti", "efficientsam_vitt", "model")
    prompts = PromptTensors(torch.zeros(1, dtype=torch.long), torch.rand(1, 5, 2) * 1000,
                            torch.ones(1, 5, dtype=torch.long), boxes=torch.tensor([[10.0, 10.0, 500.0, 500.0]]))
    with pytest.raises(InputError, match="at most 6 points"):
        model.decode(emb, prompts)
    prompts.boxes = None  # 5 points alone are fine
    low, iou = model.decode(emb, prompts)
    assert low.shape == (1, 4, 256, 256) and iou.shape == (1, 4)


def test_segmenter_gives_the_examples_pick(parity_model):
    """End to end through the engine (`--multimask auto`): each query's mask and
    score are the candidate the reference example shows (best predicted IoU)."""
    g = golden("efficientsam_vitt")
    cases = []
    for name in PROMPT_SETS:
        pre = f"pipe/{name}/"
        tensors = as_prompts(g[pre + "points"][0].astype(np.float64), g[pre + "labels"][0])
        masks, scores = unpack_masks(g, pre + "masks")[0], g[pre + "scores"][0]
        for q, k in enumerate(g[pre + "picked"][0]):
            points = None if tensors.coords is None else tensors.coords[q].double().numpy()
            labels = None if tensors.labels is None else tensors.labels[q].numpy()
            box = None if tensors.boxes is None else tensors.boxes[q].double().numpy()
            cases.append((Prompt(points=points, labels=labels, box=box), masks[q, k], float(scores[q, k])))
    job = Job(ImageRef(IMAGES_DIR / "dog.jpg", "dog.jpg"), [p for p, _, _ in cases])
    model = parity_model("efficientsam-ti", "efficientsam_vitt")
    (result,) = Segmenter(model, SegmentOptions(prompt_batch=3), PipelineOptions("cpu")).run([job])
    assert result.ok and len(result.annotations) == len(cases)
    for ann, (_, mask, score) in zip(result.annotations, cases):
        assert mask_iou(rle.decode(ann.rle), mask) >= 0.999
        assert abs(ann.score - score) <= 1e-4
