"""Decoding one image's prompts against an embedding the engine already computed.

The protocols work at the model-contract level: the engine encodes each image
once, in batches, and hands over `EncodedImage` (that batch's embeddings, the
image's row in it, its geometry, the engine's precision). Prompts are in
original pixels; they are scaled into the prompt frame in float64 and then cast
to float32, as the engine does. Masks go through the engine's own upscale and
binarisation (`upscale_to_rles`), so a protocol scores the masks `segment` writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from samcli.engine.device import autocast
from samcli.engine.masks import upscale_to_rles
from samcli.errors import InputError, SamcliError
from samcli.eval.ground_truth import GtImage
from samcli.models.base import MULTIMASK_MODES, Geometry, PromptableModel, PromptTensors


@dataclass
class EncodedImage:
    model: PromptableModel
    embeddings: torch.Tensor  # encoder output for a batch of images, on the model's device
    geom: Geometry
    slot: int = 0  # this image's row in `embeddings`
    dtype: torch.dtype = torch.float32  # autocast precision, as the engine resolved it
    prompt_batch: int = 16  # prompts per decoder call


def check_size(image: EncodedImage, gt: GtImage) -> None:
    """The ground truth must describe the image as decoded (after EXIF rotation)."""
    problem = size_problem(image.geom.original_hw, gt)
    if problem:
        raise InputError(problem)


def size_problem(original_hw: tuple[int, int], gt: GtImage) -> str | None:
    """Why the decoded image (H, W) cannot be scored against `gt`, or None; the
    engine asks before encoding it."""
    if tuple(original_hw) == (gt.height, gt.width):
        return None
    h, w = original_hw
    return (f"{gt.key}: the image is {w}×{h} but the ground truth says {gt.width}×{gt.height} "
            "(an EXIF-rotated photo, or another image of the same name?)")


def check_points(model: PromptableModel, clicks: int) -> None:
    if clicks < 1:
        raise SamcliError(f"clicks must be at least 1, got {clicks}")
    problem = model.prompt_problem(clicks, False)
    if problem:
        raise SamcliError(f"{clicks} clicks: {problem}")


def decoded_chunks(image: EncodedImage, mode: str, *, boxes: np.ndarray | None = None,
                   points: np.ndarray | None = None, labels: np.ndarray | None = None,
                   masks: torch.Tensor | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Pixel prompts → per `prompt_batch` prompts, the low-res logits (n, h, w) float32
    and the predicted IoU (n,) of the token `model.select(..., mode)` keeps.

    boxes (P, 4) x0, y0, x1, y1; points (P, N, 2) x, y with labels (P, N) 1/0;
    masks (P, h, w) earlier low-res logits fed back as the mask prompt.
    """
    if mode not in MULTIMASK_MODES:  # select() would take an unknown mode for "auto"
        raise SamcliError(f"multimask must be one of {', '.join(MULTIMASK_MODES)}, got {mode!r}")
    count = len(boxes) if boxes is not None else len(points)
    for start in range(0, count, image.prompt_batch):
        part = slice(start, start + image.prompt_batch)
        prompts = _tensors(image, *(None if a is None else a[part] for a in (boxes, points, labels, masks)))
        with torch.no_grad(), autocast(image.embeddings.device, image.dtype):
            low, iou = image.model.decode(image.embeddings, prompts)
        pick = image.model.select(low, iou, prompts, mode)
        rows = torch.arange(len(prompts), device=low.device)
        yield low[rows, pick].float(), iou[rows, pick].float()


def decode_chosen(image: EncodedImage, mode: str, **prompts) -> tuple[torch.Tensor, torch.Tensor]:
    """`decoded_chunks` of every prompt at once: (P, h, w) logits and (P,) IoU (for
    protocols that keep the logits, e.g. to feed them back)."""
    lows, ious = zip(*decoded_chunks(image, mode, **prompts))
    return torch.cat(lows), torch.cat(ious)


def chosen_rles(image: EncodedImage, mode: str, boxes: np.ndarray) -> list[dict]:
    """Box prompts → one full-size RLE each, made chunk by chunk as they are decoded,
    so an image's memory does not grow with its prompts (only RLEs are kept)."""
    return [code for low, _ in decoded_chunks(image, mode, boxes=boxes) for code in to_rles(image, low)]


def to_rles(image: EncodedImage, low: torch.Tensor) -> list[dict]:
    """(P, h, w) chosen low-res logits → P full-size RLEs, as `segment` makes them."""
    return upscale_to_rles(image.model, low, image.geom)


def _tensors(image: EncodedImage, boxes, points, labels, masks) -> PromptTensors:
    geom, count = image.geom, len(boxes) if boxes is not None else len(points)
    coords = point_labels = corners = None
    if points is not None:
        coords = torch.from_numpy(geom.to_prompt_frame(points).astype(np.float32))
        point_labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    if boxes is not None:
        frame = geom.to_prompt_frame(np.asarray(boxes, dtype=np.float64).reshape(-1, 2, 2))
        corners = torch.from_numpy(frame.reshape(-1, 4).astype(np.float32))
    index = torch.full((count,), image.slot, dtype=torch.long)
    mask_prompt = None if masks is None else masks[:, None]
    return PromptTensors(index, coords, point_labels, corners, mask_prompt).to(image.embeddings.device)
