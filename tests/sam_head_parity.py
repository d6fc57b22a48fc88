"""Model-level parity for every SAM-head model: encoder on the golden image,
then prompt encoder + mask decoder on each stored prompt set."""
from __future__ import annotations

import numpy as np
import torch

from samcli.models.base import PromptTensors
from tests.parity import assert_close_rel

PROMPT_SETS = ("p1_point", "p2_points", "p3_box", "p4_box_point", "p5_boxes")


def golden_prompts(g, prefix: str) -> PromptTensors:
    """The stored model-level prompts as one decoder batch (prompt frame, as fed)."""
    boxes = g[prefix + "boxes"].reshape(-1, 4) if prefix + "boxes" in g.files else None
    coords = labels = None
    if prefix + "points" in g.files:
        coords = torch.from_numpy(g[prefix + "points"].reshape(1, -1, 2).astype(np.float32))
        labels = torch.from_numpy(g[prefix + "labels"].reshape(1, -1).astype(np.int64))
    batch = 1 if boxes is None else boxes.shape[0]
    return PromptTensors(
        image_index=torch.zeros(batch, dtype=torch.long),
        coords=coords, labels=labels,
        boxes=None if boxes is None else torch.from_numpy(boxes.astype(np.float32)),
    )


@torch.no_grad()
def embed_golden_image(model, g) -> torch.Tensor:
    x = torch.from_numpy(g["model/image_uint8"])
    return model.encode(model.prepare_batch([x]))


@torch.no_grad()
def check_model_level(model, g, rtol: float, atol: float, iou_atol: float, tokens_for=None) -> None:
    """`tokens_for(prefix)` → token indices the golden stores (default: 1..3 if the
    set's multimask flag is set, else 0)."""
    emb = embed_golden_image(model, g)
    assert_close_rel(emb, g["model/embedding"], rtol, atol, "embedding")
    compared = 0
    for name in PROMPT_SETS:
        prefix = f"model/{name}/"
        if prefix + "low_res_logits" not in g.files:
            continue
        compared += 1
        low, iou = model.decode(emb, golden_prompts(g, prefix))
        if tokens_for is not None:
            tokens = tokens_for(prefix)
        else:
            tokens = [1, 2, 3] if bool(g[prefix + "multimask"]) else [0]
        gold_low = g[prefix + "low_res_logits"]
        assert_close_rel(low[:, tokens].reshape(gold_low.shape), gold_low, rtol, atol, f"{name} logits")
        gold_iou = g[prefix + "iou"]
        assert_close_rel(iou[:, tokens].reshape(gold_iou.shape), gold_iou, 0, iou_atol, f"{name} iou")
    assert compared, "the fixture holds no model-level prompt set: nothing was compared"


def load_rgb(path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))


def pipeline_prompts(model, geom, g, prefix: str) -> PromptTensors:
    """Original-pixel golden prompts → the prompt frame, via the model's geometry."""
    boxes = g[prefix + "boxes"] if prefix + "boxes" in g.files else (g[prefix + "box"] if prefix + "box" in g.files else None)
    coords = labels = None
    if prefix + "points" in g.files:
        pts = geom.to_prompt_frame(g[prefix + "points"].reshape(-1, 2).astype(np.float64))
        coords = torch.from_numpy(pts.astype(np.float32))[None]
        labels = torch.from_numpy(g[prefix + "labels"].reshape(1, -1).astype(np.int64))
    if boxes is not None:
        corners = geom.to_prompt_frame(np.asarray(boxes, np.float64).reshape(-1, 2, 2)).reshape(-1, 4)
        boxes = torch.from_numpy(corners.astype(np.float32))
    batch = 1 if boxes is None else boxes.shape[0]
    return PromptTensors(torch.zeros(batch, dtype=torch.long), coords, labels, boxes)


@torch.no_grad()
def run_pipeline(model, image: np.ndarray):
    """Image → (embedding, geometry) through the model's own preprocessing."""
    geom = model.geometry(image.shape[:2])
    emb = model.encode(model.prepare_batch([model.preprocess(image)]))
    return emb, geom


@torch.no_grad()
def check_pipeline(model, g, image: np.ndarray, tokens_for, logit_rtol: float, logit_atol: float,
                   score_atol: float, min_iou: float) -> None:
    from tests.parity import mask_iou, unpack_masks

    emb, geom = run_pipeline(model, image)
    compared = 0
    for name in PROMPT_SETS:
        prefix = f"pipe/{name}/"
        if prefix + "masks" not in g.files:
            continue
        compared += 1
        prompts = pipeline_prompts(model, geom, g, prefix)
        low, iou = model.decode(emb, prompts)
        tokens = tokens_for(prefix)
        gold_low = g[prefix + "low_res_logits"]
        assert_close_rel(low[:, tokens].reshape(gold_low.shape), gold_low, logit_rtol, logit_atol, f"{name} logits")
        gold_scores = g[prefix + "scores"]
        assert_close_rel(iou[:, tokens].reshape(gold_scores.shape), gold_scores, 0, score_atol, f"{name} scores")
        masks = model.binarize(model.upscale(low[:, tokens], geom)).numpy()
        gold = unpack_masks(g, prefix + "masks").reshape(masks.shape)
        for i in np.ndindex(masks.shape[:2]):
            iou_val = mask_iou(masks[i], gold[i])
            assert iou_val >= min_iou, f"{name} mask {i}: IoU {iou_val:.5f} < {min_iou}"
    assert compared, "the fixture holds no pipeline prompt set: nothing was compared"
