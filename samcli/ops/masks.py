"""Mask statistics shared by mask selection and automatic generation."""
from __future__ import annotations

import torch


def stability_score(logits: torch.Tensor, threshold: float = 0.0, offset: float = 1.0) -> torch.Tensor:
    """IoU between the masks at threshold ± offset: #(logit > t+o) / #(logit > t−o),
    over the last two axes, with integer counts as in SAM's `calculate_stability_score`
    (0/0 gives NaN, which fails every `>=` filter)."""
    inter = (logits > threshold + offset).sum((-1, -2), dtype=torch.int32)
    union = (logits > threshold - offset).sum((-1, -2), dtype=torch.int32)
    return inter / union
