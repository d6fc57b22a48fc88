"""Optional inspection of a generation, for tests and diagnostics.

With `record_candidates`, a `Trace` costs extra work: every decoded candidate
is upscaled (not only those passing the IoU filter) so its stability is known.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Trace:
    #: upscale every candidate to record its stability (the costly part)
    record_candidates: bool = True
    #: per decoded candidate, in decoding order: (predicted_iou, stability_score)
    candidate_parts: list[np.ndarray] = field(default_factory=list)
    #: hierarchical: the normalised (x/W, y/H) grid fed to each round
    round_points_norm: list[np.ndarray] = field(default_factory=list)
    #: hierarchical: union of round-1 high-score masks, (H, W) bool
    covered: np.ndarray | None = None

    def add_candidates(self, iou: torch.Tensor, stability: torch.Tensor) -> None:
        pair = torch.stack([iou.float(), stability.float()], dim=1)
        self.candidate_parts.append(pair.cpu().numpy())

    @property
    def candidates(self) -> np.ndarray:
        if not self.candidate_parts:
            return np.zeros((0, 2), np.float32)
        return np.concatenate(self.candidate_parts)
