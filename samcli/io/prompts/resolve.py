"""A prompt in pixels of its image, once the image's size is known."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from samcli.io.prompts.checks import PromptError, fmt
from samcli.io.prompts.types import Prompt
from samcli.words import plural

#: overshoot (pixels) clipped without a warning: normalised coordinates round to
#: a hair past the edge (GroundingDINO's cx + w/2 = 1.0003), which nobody needs to hear about
TOLERANCE = 0.5


def resolve(prompt: Prompt, width: int, height: int) -> tuple[Prompt, list[str]]:
    """`prompt` in pixels of a width x height image, and warnings naming the item.

    Normalised coordinates are scaled to pixels; boxes and points are clipped to
    [0, width] x [0, height], with a warning when they lay outside by more than
    TOLERANCE. Raises PromptError (an InputError) when a box lies entirely outside.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    size = np.array([width, height], dtype=np.float64)
    scale = size if prompt.normalized else np.ones(2)
    where = prompt.source or "prompt"
    image = f"the {width}x{height} image"
    warnings: list[str] = []
    box = points = None
    if prompt.box is not None:
        raw = prompt.box * np.tile(scale, 2)
        box = np.clip(raw, 0, np.tile(size, 2))
        if box[2] <= box[0] or box[3] <= box[1]:
            raise PromptError(f"{where}: box {fmt(raw)} lies outside {image}")
        if np.abs(raw - box).max() > TOLERANCE:
            warnings.append(f"{where}: box {fmt(raw)} extends outside {image}; clipped to {fmt(box)}")
    if prompt.points is not None:
        raw = prompt.points * scale
        points = np.clip(raw, 0, size)
        moved = np.abs(raw - points).max(axis=1) > TOLERANCE
        if moved.any():
            first = int(np.flatnonzero(moved)[0])
            warnings.append(
                f"{where}: {plural(int(moved.sum()), 'point')} outside {image} (points[{first}] = {fmt(raw[first])}); "
                "moved to the image edge"
            )
    return replace(prompt, box=box, points=points, normalized=False), warnings
