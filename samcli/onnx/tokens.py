"""Prompts → rows of labelled point tokens, the input of the runtime decoder
graphs (`runtime_graphs.TokenDecoder`), in the order the PyTorch decoders embed them."""
from __future__ import annotations

import torch

from samcli.models.base import PromptableModel, PromptTensors
from samcli.models.efficientsam.model import EfficientSam
from samcli.models.efficientsam.prompt_encoder import points_with_box_corners

PAD, BOX_TOP_LEFT, BOX_BOTTOM_RIGHT = -1, 2, 3


def sam_tokens(prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
    """SAM's order: the points, then a padding token (only when there is no box:
    SAM's prompt encoder adds one), then the box corners."""
    coords, labels = [], []
    b = len(prompts)
    if prompts.coords is not None:
        coords.append(prompts.coords.float())
        labels.append(prompts.labels.long())
    if prompts.boxes is None:
        coords.append(torch.zeros(b, 1, 2))
        labels.append(torch.full((b, 1), PAD))
    else:
        coords.append(prompts.boxes.float().reshape(b, 2, 2))
        labels.append(torch.tensor([BOX_TOP_LEFT, BOX_BOTTOM_RIGHT]).expand(b, 2))
    return torch.cat(coords, dim=1), torch.cat(labels, dim=1)


def prompt_tokens(model: PromptableModel, prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, 2) float32 prompt-frame coords and (B, T) int64 labels for `model`'s graph."""
    if isinstance(model, EfficientSam):
        coords, labels = points_with_box_corners(prompts, model.max_points)
        return coords.float(), labels.long()
    return sam_tokens(prompts)
