"""Low-res logits → full-resolution binary masks → COCO RLE → annotations,
memory-bounded. Shared by every command."""
from __future__ import annotations

from typing import Iterator

import torch

from samcli.engine.records import Annotation
from samcli.models.base import Geometry, PromptableModel
from samcli.ops import rle

#: float32 full-resolution logits upscaled at once: bounds memory on huge images
UPSCALE_BUDGET_MB = 128.0


def chunk_size(hw: tuple[int, int], frame: int = 0) -> int:
    """How many float32 maps fit in UPSCALE_BUDGET_MB (at least one): maps of the
    full (h, w) size, or of the model's square `frame` (e.g. SAM's 1024) where the
    upscale passes through it and that is larger (small images)."""
    return max(1, int(UPSCALE_BUDGET_MB * 2**20 // (4 * max(hw[0] * hw[1], frame * frame))))


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


def to_annotations(rles: list[dict], scores: list[float], extras: list[dict],
                   category_ids: list[int] | None = None) -> list[Annotation]:
    """One Annotation per RLE, with its COCO area and bbox."""
    boxes, areas = rle.bbox(rles), rle.area(rles)
    cats = category_ids or [1] * len(rles)
    return [Annotation(rle=r, bbox=boxes[i], area=areas[i], score=float(scores[i]), category_id=cats[i],
                       extra=extras[i]) for i, r in enumerate(rles)]
