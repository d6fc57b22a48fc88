"""Where an image sits in a model's frames (no torch: the ONNX Runtime path uses it too)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Geometry:
    """Where one image sits in the model's frames.

    `prompt_hw` is the image's size inside the square prompt/mask frame (SAM's
    1024 frame): prompts are scaled from original pixels into it, and masks are
    cropped to it before being resized back to `original_hw`.
    """

    original_hw: tuple[int, int]
    prompt_hw: tuple[int, int]

    def scale_xy(self) -> tuple[float, float]:
        (h, w), (ph, pw) = self.original_hw, self.prompt_hw
        return pw / w, ph / h

    def to_prompt_frame(self, xy: np.ndarray) -> np.ndarray:
        """Original-pixel (..., 2) x,y → prompt frame, per axis, in float64 as the references do."""
        sx, sy = self.scale_xy()
        out = np.array(xy, dtype=np.float64, copy=True)
        out[..., 0] *= sx
        out[..., 1] *= sy
        return out


def frame_geometry(original_hw: tuple[int, int], prompt_size: int, stretch: bool) -> Geometry:
    """Where an image lands in a square prompt frame of `prompt_size`: letterboxed (its
    longest side scaled to the frame, SAM) or stretched to fill it (EfficientSAM)."""
    from samcli.ops.resize import longest_side_shape

    inside = (prompt_size, prompt_size) if stretch else longest_side_shape(original_hw, prompt_size)
    return Geometry(tuple(original_hw), inside)
