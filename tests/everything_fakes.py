"""A stand-in promptable model whose masks are discs around the prompt point.

It follows the model contract (letterboxed 1024 prompt frame, 256×256 low-res
logits, all 4 tokens) but costs microseconds, so the generators' logic (NMS,
crops, coverage) can be tested on object-like masks, which the parity
fixtures' speckle masks cannot provide.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from samcli.models.base import Geometry, PromptableModel, PromptTensors
from samcli.ops.resize import longest_side_shape


class DiscModel(PromptableModel):
    """Token k of a point is a disc of radius `radii[k]` (prompt-frame px):
    logit = (radius − distance) / 4, so stability = ((r−4)/(r+4))²."""

    def __init__(self, radii=(100.0, 60.0, 140.0, 160.0), ious=(0.5, 0.93, 0.91, 0.95)) -> None:
        super().__init__()
        self.register_buffer("radii", torch.tensor(radii))
        self.register_buffer("ious", torch.tensor(ious))
        self.encoded_images = 0

    def geometry(self, original_hw) -> Geometry:
        return Geometry(tuple(original_hw), longest_side_shape(original_hw, self.prompt_size))

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        return torch.zeros(1)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        self.encoded_images += x.shape[0]
        return torch.zeros(x.shape[0], 1, 4, 4)

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors):
        xy = prompts.coords[:, 0].float()  # (B, 2) prompt frame
        centres = (torch.arange(256, dtype=torch.float32) + 0.5) * (self.prompt_size / 256)
        dx = centres[None, None, :] - xy[:, 0, None, None]
        dy = centres[None, :, None] - xy[:, 1, None, None]
        dist = torch.sqrt(dx * dx + dy * dy)  # (B, 256, 256)
        logits = (self.radii[None, :, None, None] - dist[:, None]) / 4
        # a tiny position-dependent term makes score ties impossible
        iou = self.ious[None, :] - 1e-6 * (xy[:, :1] + 1e-3 * xy[:, 1:])
        return logits, iou

    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        s = self.prompt_size
        x = F.interpolate(low_res, (s, s), mode="bilinear", align_corners=False)
        ph, pw = geom.prompt_hw
        return F.interpolate(x[..., :ph, :pw], geom.original_hw, mode="bilinear", align_corners=False)
