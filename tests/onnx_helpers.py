"""Exported ONNX files against samcli's PyTorch models: the files built once per
session (conftest `onnx_files`), the decoders fed as an annotator feeds them, and
samcli's PyTorch output for the same prompts."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from samcli.io.prompts.types import Prompt
from samcli.models.base import Geometry, PromptableModel, PromptTensors
from tests.parity import IMAGES_DIR, golden, mask_iou
from tests.pipeline_goldens import expected_prompts
from tests.sam_head_parity import PROMPT_SETS, load_rgb

onnxruntime = pytest.importorskip("onnxruntime", reason="samcli[onnx] is not installed: ONNX is NOT verified")

#: model id → parity fixture. The default run covers every encoder family
#: (TinyViT, EfficientViT, EfficientSAM's ViT, RepViT; SAM's ViT in a small
#: configuration, test_onnx_export) and every decoder (SAM's head, EfficientSAM's,
#: EdgeSAM's choice) once; the others are the same code at other sizes (ViT-B
#: alone costs a minute of CPU to export and run), marked slow.
DEFAULT = {"mobilesam": "mobilesam", "efficientvit-sam-l0": "efficientvit_sam_l0",
           "efficientsam-ti": "efficientsam_vitt", "edgesam": "edgesam"}
SLOW = {"sam-vit-b": "sam_vit_b", "tinysam": "tinysam", "efficientvit-sam-xl0": "efficientvit_sam_xl0",
        "efficientsam-s": "efficientsam_vits"}
MIN_IOU, SCORE_ATOL = 0.99, 1e-3


def model_params():
    return [pytest.param(m, f, id=m) for m, f in DEFAULT.items()] + \
           [pytest.param(m, f, id=m, marks=pytest.mark.slow) for m, f in SLOW.items()]


@functools.lru_cache(maxsize=None)
def session(path: Path):
    """One single-threaded session per file for the whole test session."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def dog() -> np.ndarray:
    return load_rgb(IMAGES_DIR / "dog.jpg")


def fixture_prompts(fixture: str) -> list[Prompt]:
    """The fixture's pipeline prompts: a point, points, a box, a box + a point (original
    pixels; its fifth set, four more boxes, would add time and no other case)."""
    return [p for p, _, _ in expected_prompts(golden(fixture), sets=PROMPT_SETS[:4])]


@dataclass
class Encoded:
    """One image through samcli's preprocessing: PyTorch's and ORT's embeddings."""

    geom: Geometry
    torch: torch.Tensor
    ort: np.ndarray


def encode_both(model: PromptableModel, encoder_file: Path, image: np.ndarray) -> Encoded:
    x = model.prepare_batch([model.preprocess(image)])
    with torch.inference_mode():
        emb = model.encode(x)
    (ort_emb,) = session(encoder_file).run(None, {"image": x.numpy()})
    return Encoded(model.geometry(image.shape[:2]), emb, ort_emb)


def tensors(prompt: Prompt, geom: Geometry, mask: torch.Tensor | None = None) -> PromptTensors:
    coords = labels = boxes = None
    if prompt.points is not None:
        coords = torch.from_numpy(geom.to_prompt_frame(prompt.points).astype(np.float32))[None]
        labels = torch.from_numpy(np.asarray(prompt.labels, np.int64))[None]
    if prompt.box is not None:
        boxes = torch.from_numpy(geom.to_prompt_frame(prompt.box.reshape(2, 2)).reshape(1, 4).astype(np.float32))
    return PromptTensors(torch.zeros(1, dtype=torch.long), coords, labels, boxes, mask)


@torch.inference_mode()
def torch_output(model: PromptableModel, emb: torch.Tensor, prompt: Prompt, geom: Geometry,
                 mask: torch.Tensor | None = None):
    """samcli's PyTorch decoder: → binary masks (T, H, W) and scores (T,) of all tokens, low-res (T, h, w)."""
    low, iou = model.decode(emb, tensors(prompt, geom, mask))
    masks = model.binarize(model.upscale(low, geom))[0].numpy()
    return masks, iou[0].numpy(), low[0]


def labelled_points(prompt: Prompt) -> tuple[list, list[int]]:
    """The points, then the box as two points labelled 2 (top-left) and 3 (bottom-right)."""
    points, labels = [], []
    if prompt.points is not None:
        points += list(prompt.points)
        labels += [int(v) for v in prompt.labels]
    if prompt.box is not None:
        points += [prompt.box[:2], prompt.box[2:]]
        labels += [2, 3]
    return points, labels


def sam_interface_inputs(prompt: Prompt, geom: Geometry, emb: np.ndarray, mask: np.ndarray | None = None) -> dict:
    """SAM's ONNX notebook: points, then box corners (labels 2, 3), or a padding
    point (0, 0) with label -1 when there is no box; coordinates through the
    longest-side resize; float32 everywhere."""
    points, labels = labelled_points(prompt)
    if prompt.box is None:
        points.append([0.0, 0.0])
        labels.append(-1)
    coords = geom.to_prompt_frame(np.asarray(points, np.float64))[None].astype(np.float32)
    return {"image_embeddings": emb, "point_coords": coords, "point_labels": np.asarray([labels], np.float32),
            "mask_input": np.zeros((1, 1, 256, 256), np.float32) if mask is None else mask,
            "has_mask_input": np.asarray([0.0 if mask is None else 1.0], np.float32),
            "orig_im_size": np.asarray(geom.original_hw, np.float32)}


def efficientsam_interface_inputs(prompt: Prompt, geom: Geometry, emb: np.ndarray) -> dict:
    """EfficientSAM's exported interface: original pixels, a box as corners 2/3."""
    points, labels = labelled_points(prompt)
    return {"image_embeddings": emb, "batched_point_coords": np.asarray(points, np.float32)[None, None],
            "batched_point_labels": np.asarray(labels, np.float32)[None, None],
            "orig_im_size": np.asarray(geom.original_hw, np.int64)}


def assert_same_masks(ours_masks, ours_scores, ref_masks, ref_scores, what: str) -> None:
    assert ours_masks.shape == ref_masks.shape, f"{what}: {ours_masks.shape} vs {ref_masks.shape}"
    for k in range(ref_masks.shape[0]):
        iou = mask_iou(ours_masks[k], ref_masks[k])
        assert iou >= MIN_IOU, f"{what} token {k}: mask IoU {iou:.5f} < {MIN_IOU}"
        assert abs(float(ours_scores[k]) - float(ref_scores[k])) <= SCORE_ATOL, \
            f"{what} token {k}: score {ours_scores[k]} vs {ref_scores[k]}"


def hardlink_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        dst.write_bytes(src.read_bytes())
