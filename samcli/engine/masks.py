"""Low-res logits → full-resolution binary masks → COCO RLE, memory-bounded.
Shared by every command (annotations: `engine.records.to_annotations`)."""
from __future__ import annotations

from typing import Iterator

import torch

from samcli.models.base import Geometry, PromptableModel
from samcli.engine.mask_budget import UPSCALE_BUDGET_MB, chunk_size
from samcli.ops import rle

__all__ = ["UPSCALE_BUDGET_MB", "chunk_size", "binary_masks", "upscale_to_rles"]


def binary_masks(model: PromptableModel, low_res: torch.Tensor, geom: Geometry) -> Iterator[torch.Tensor]:
    """(P, h, w) chosen low-res logits of one image → full-size binary masks in chunks
    of `chunk_size` (a batch never holds P full-size float maps), each (n, W, H) uint8
    on the model's device: the column-major layout COCO RLE reads, so the host makes
    no copy (`rle.encode(chunk.numpy().transpose(0, 2, 1))`)."""
    step = chunk_size(geom.original_hw, model.prompt_size)
    for i in range(0, low_res.shape[0], step):
        logits = model.upscale(low_res[i : i + step, None].float(), geom)[:, 0]
        yield model.binarize(logits).transpose(-1, -2).to(torch.uint8).contiguous()


def upscale_to_rles(model: PromptableModel, low_res: torch.Tensor, geom: Geometry) -> list[dict]:
    """(P, h, w) chosen low-res logits of one image → P RLEs at the original size,
    waiting for the device once per chunk (`segment` waits once per batch instead)."""
    out: list[dict] = []
    for masks in binary_masks(model, low_res, geom):
        out += rle.encode(masks.cpu().numpy().transpose(0, 2, 1))
    return out
