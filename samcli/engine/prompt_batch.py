"""Turning per-image pixel prompts into decoder batches.

The SAM decoder needs every prompt in a batch to have the same number of
sparse tokens, so prompts are grouped by shape (number of points, box or not);
groups may mix images, each prompt pointing at its image's embedding.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch

from samcli.io.prompts.types import Prompt
from samcli.models.base import Geometry, PromptTensors


@dataclass(frozen=True)
class PromptRef:
    slot: int  # which image of the encoder batch
    index: int  # position in that image's prompt list (→ `prompt_index`)
    prompt: Prompt  # in pixels of the original image


def shape_of(prompt: Prompt) -> tuple[int, bool]:
    return (0 if prompt.points is None else len(prompt.points), prompt.box is not None)


def group_by_shape(refs: list[PromptRef]) -> list[list[PromptRef]]:
    groups: dict[tuple[int, bool], list[PromptRef]] = defaultdict(list)
    for ref in refs:
        groups[shape_of(ref.prompt)].append(ref)
    return list(groups.values())


def to_tensors(refs: list[PromptRef], geoms: list[Geometry]) -> PromptTensors:
    """Scale to each image's prompt frame in float64, then cast to float32 (as
    the references' predictors do)."""
    first = refs[0].prompt
    coords = labels = boxes = None
    if first.points is not None:
        coords = np.stack([geoms[r.slot].to_prompt_frame(r.prompt.points) for r in refs])
        coords = torch.from_numpy(coords.astype(np.float32))
        labels = torch.from_numpy(np.stack([r.prompt.labels for r in refs]).astype(np.int64))
    if first.box is not None:
        corners = np.stack([geoms[r.slot].to_prompt_frame(r.prompt.box.reshape(2, 2)).reshape(4) for r in refs])
        boxes = torch.from_numpy(corners.astype(np.float32))
    index = torch.tensor([r.slot for r in refs], dtype=torch.long)
    return PromptTensors(index, coords, labels, boxes)
