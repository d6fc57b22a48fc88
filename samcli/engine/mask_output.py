"""Low-res logits → full-resolution binary masks → COCO RLE, memory-bounded."""
from __future__ import annotations

import torch

from samcli.models.base import Geometry, PromptableModel
from samcli.ops import rle

#: float logits upscaled at once, in pixels (×4 bytes): bounds memory on huge images
UPSCALE_BUDGET_PIXELS = 64_000_000


def upscale_to_rles(model: PromptableModel, low_res: torch.Tensor, geom: Geometry) -> list[dict]:
    """(P, h, w) chosen low-res logits of one image → P RLEs at the original size.
    Masks are upscaled in chunks so a batch never holds P full-size float maps."""
    h, w = geom.original_hw
    step = max(1, UPSCALE_BUDGET_PIXELS // (h * w))
    out: list[dict] = []
    for i in range(0, low_res.shape[0], step):
        logits = model.upscale(low_res[i : i + step, None].float(), geom)[:, 0]
        out += rle.encode(model.binarize(logits))
    return out
