"""TEMPORARY (replaced by the prompt-parser branch): prompts → pixels, clipped."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from samcli.io.prompts.types import Prompt


def resolve(prompt: Prompt, width: int, height: int) -> tuple[Prompt, list[str]]:
    scale = np.array([width, height], dtype=np.float64)
    points, box = prompt.points, prompt.box
    if prompt.normalized:
        points = None if points is None else points * scale
        box = None if box is None else box * np.tile(scale, 2)
    warnings = []
    if box is not None:
        clipped = np.clip(box, 0, np.tile(scale, 2))
        if not np.array_equal(clipped, box):
            warnings.append(f"{prompt.source}: box clipped to the image")
        if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
            raise ValueError(f"{prompt.source}: box lies outside the {width}x{height} image")
        box = clipped
    return replace(prompt, points=points, box=box, normalized=False), warnings
