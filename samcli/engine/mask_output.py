"""Low-res logits → full-resolution binary masks → COCO RLE, memory-bounded."""
from __future__ import annotations

import torch

from samcli.models.base import Geometry, PromptableModel
from samcli.ops import rle

#: float32 logits upscaled at once: bounds memory on huge images
UPSCALE_BUDGET_MB = 256.0


def chunk_size(hw: tuple[int, int], budget_mb: float = UPSCALE_BUDGET_MB) -> int:
    """How many full-size (h, w) float32 maps fit in `budget_mb` (at least one)."""
    return max(1, int(budget_mb * 2**20 // (4 * hw[0] * hw[1])))


def upscale_to_rles(model: PromptableModel, low_res: torch.Tensor, geom: Geometry) -> list[dict]:
    """(P, h, w) chosen low-res logits of one image → P RLEs at the original size.
    Masks are upscaled in chunks so a batch never holds P full-size float maps."""
    step = chunk_size(geom.original_hw)
    out: list[dict] = []
    for i in range(0, low_res.shape[0], step):
        logits = model.upscale(low_res[i : i + step, None].float(), geom)[:, 0]
        out += rle.encode(model.binarize(logits))
    return out
