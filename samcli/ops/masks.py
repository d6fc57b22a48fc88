"""Mask statistics shared by mask selection and automatic generation."""
from __future__ import annotations

from typing import Callable

import torch


def _above(logits: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    return logits > margin


def stability_score(logits: torch.Tensor, offset: float = 1.0,
                    binarize: Callable[..., torch.Tensor] = _above) -> torch.Tensor:
    """IoU between the masks binarized `offset` above and below the model's threshold:
    #binarize(logits, +offset) / #binarize(logits, −offset), over the last two axes,
    with integer counts as in SAM's `calculate_stability_score` (0/0 gives NaN, which
    fails every `>=` filter). `binarize(logits, margin)` is the model's own rule."""
    inter = binarize(logits, offset).sum((-1, -2), dtype=torch.int32)
    union = binarize(logits, -offset).sum((-1, -2), dtype=torch.int32)
    return inter / union
