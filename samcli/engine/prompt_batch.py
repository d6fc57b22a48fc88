"""Turning per-image pixel prompts into decoder batches.

The SAM decoder needs every prompt in a batch to have the same number of
sparse tokens, so prompts are grouped by shape (number of points, box or not);
groups may mix images, each prompt pointing at its image's embedding.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from samcli.io.prompts.types import Prompt
from samcli.models.geometry import Geometry

if TYPE_CHECKING:
    from samcli.models.base import PromptTensors


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


def to_arrays(refs: list[PromptRef], geoms: list[Geometry]) -> tuple[np.ndarray | None, ...]:
    """→ (coords (B, N, 2) float32, labels (B, N) int64, boxes (B, 4) float32; None where the
    prompts have none), each prompt scaled to its image's prompt frame in float64, then cast
    to float32 (as the references' predictors do)."""
    first = refs[0].prompt
    coords = labels = boxes = None
    if first.points is not None:
        coords = np.stack([geoms[r.slot].to_prompt_frame(r.prompt.points) for r in refs]).astype(np.float32)
        labels = np.stack([r.prompt.labels for r in refs]).astype(np.int64)
    if first.box is not None:
        corners = np.stack([geoms[r.slot].to_prompt_frame(r.prompt.box.reshape(2, 2)).reshape(4) for r in refs])
        boxes = corners.astype(np.float32)
    return coords, labels, boxes


def to_tensors(refs: list[PromptRef], geoms: list[Geometry]) -> PromptTensors:
    """`to_arrays` as the PyTorch models' input."""
    import torch

    from samcli.models.base import PromptTensors

    index = torch.tensor([r.slot for r in refs], dtype=torch.long)
    return PromptTensors(index, *(None if a is None else torch.from_numpy(a) for a in to_arrays(refs, geoms)))
