"""EdgeSAM: RepViT-M1 encoder + SAM's prompt encoder and mask decoder, with the
mask choice of the reference's demo."""
from __future__ import annotations

import torch

from samcli.models.base import MaskRules, PromptTensors
from samcli.models.encoders.repvit import RepViTEncoder
from samcli.models.layers import fuse_modules
from samcli.models.sam_head.model import SamHeadModel
from samcli.models.zoo import EDGESAM_SPECS as SPECS  # noqa: F401 (re-exported)
from samcli.ops.masks import stability_score


class EdgeSam(SamHeadModel):
    """Released files are bare `Sam` state dicts with every BatchNorm unfused."""

    def __init__(self) -> None:
        super().__init__(RepViTEncoder())

    def after_load(self) -> None:
        # conv+BN → conv, and each RepVGGDW's 3×3 + 1×1 + identity → one 3×3:
        # same outputs up to float rounding, about 2× fewer encoder kernels
        fuse_modules(self.image_encoder)

    #: the demo's point mode (any number of points) weighs several masks, by stability
    #: (`select`); its box mode asks for the single-mask output
    rules = MaskRules(auto="points", auto_pick="stability")

    def select(self, low_res: torch.Tensor, iou: torch.Tensor, prompts: PromptTensors, mode: str) -> torch.Tensor:
        """`always` / `never` as for every model. `auto` follows the reference demo:
        for point prompts, the most stable of ALL four tokens (0..3) by the stability
        score of the 256×256 low-res logits (threshold 0, offset 1, padding included),
        because EdgeSAM distilled the masks but not the IoU token, whose predictions
        are unreliable; for box prompts, token 0."""
        if mode != "auto":
            return super().select(low_res, iou, prompts, mode)
        if not self.auto_multimask(prompts):
            return torch.zeros(iou.shape[0], dtype=torch.long, device=iou.device)
        # an all-empty mask scores 0/0 = NaN, which argmax would prefer; rank it last
        stability = stability_score(low_res, binarize=self.binarize).nan_to_num(nan=-1.0)
        return stability.argmax(dim=1)
