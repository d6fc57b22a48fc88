"""Prompts → rows of labelled point tokens, the input of the runtime decoder
graphs (`runtime_graphs.TokenDecoder`), in the order the PyTorch decoders embed
them. numpy, so the ONNX Runtime engine needs no torch (`tokens_for`);
`prompt_tokens` serves the PyTorch-facing `OrtModel`."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from samcli.models.base import PromptableModel, PromptTensors

PAD, BOX_TOP_LEFT, BOX_BOTTOM_RIGHT = -1, 2, 3
#: token layouts: SAM's prompt encoder, EfficientSAM's fixed-length rows
LAYOUTS = ("sam", "efficientsam")


def sam_tokens(coords: np.ndarray | None, labels: np.ndarray | None,
               boxes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """SAM's order: the points, then a padding token (only when there is no box:
    SAM's prompt encoder adds one), then the box corners."""
    parts, kinds = _points_then_corners(coords, labels, boxes)
    if boxes is None:
        b = len(coords)
        parts.append(np.zeros((b, 1, 2), np.float32))
        kinds.append(np.full((b, 1), PAD, np.int64))
    return np.concatenate(parts, axis=1), np.concatenate(kinds, axis=1)


def efficientsam_tokens(coords: np.ndarray | None, labels: np.ndarray | None, boxes: np.ndarray | None,
                        max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """EfficientSAM's rows (`points_with_box_corners`): the points, the box corners,
    negative coordinates as −1, padded with (−1, −1) label −1 to `max_points`."""
    parts, kinds = _points_then_corners(coords, labels, boxes)
    xy, lab = np.concatenate(parts, axis=1), np.concatenate(kinds, axis=1)
    b, n = lab.shape
    if n > max_points:  # prompt_problem refuses these before any batch is made
        raise ValueError(f"EfficientSAM accepts at most {max_points} points per prompt, a box counting as 2; got {n}")
    xy = np.where(xy >= 0, xy, np.float32(-1.0))
    pad = max_points - n
    return (np.concatenate([xy, np.full((b, pad, 2), -1.0, np.float32)], axis=1),
            np.concatenate([lab, np.full((b, pad), PAD, np.int64)], axis=1))


def _points_then_corners(coords, labels, boxes) -> tuple[list[np.ndarray], list[np.ndarray]]:
    parts, kinds = [], []
    if coords is not None:
        parts.append(np.asarray(coords, np.float32))
        kinds.append(np.asarray(labels, np.int64))
    if boxes is not None:
        b = len(boxes)
        parts.append(np.asarray(boxes, np.float32).reshape(b, 2, 2))
        kinds.append(np.tile(np.array([[BOX_TOP_LEFT, BOX_BOTTOM_RIGHT]], np.int64), (b, 1)))
    return parts, kinds


def tokens_for(layout: str, coords, labels, boxes, max_points: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(B, T, 2) float32 prompt-frame coords and (B, T) int64 labels for a graph of this layout."""
    if layout == "efficientsam":
        return efficientsam_tokens(coords, labels, boxes, max_points)
    return sam_tokens(coords, labels, boxes)


def layout_of(model: "PromptableModel") -> str:
    from samcli.models.efficientsam.model import EfficientSam

    return "efficientsam" if isinstance(model, EfficientSam) else "sam"


def prompt_tokens(model: "PromptableModel", prompts: "PromptTensors") -> tuple["torch.Tensor", "torch.Tensor"]:
    """`tokens_for` on a PyTorch prompt batch (on the CPU)."""
    import torch

    def host(t):
        return None if t is None else t.detach().cpu().numpy()

    coords, labels = tokens_for(layout_of(model), host(prompts.coords), host(prompts.labels), host(prompts.boxes),
                                model.max_points)
    return torch.from_numpy(coords), torch.from_numpy(labels)
