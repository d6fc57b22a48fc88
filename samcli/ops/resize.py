"""Image resizing exactly as the references do it.

SAM-family references resize with torchvision's PIL path, i.e. Pillow's
BILINEAR filter (antialiased, fixed-point, horizontal pass first) on uint8.
With parity weights even ±1 grey level moves masks, so we call Pillow itself.
"""
from __future__ import annotations

import numpy as np
from PIL import Image


def longest_side_shape(hw: tuple[int, int], target: int) -> tuple[int, int]:
    """(h, w) scaled so the longest side is `target`, rounded as `ResizeLongestSide` does,
    but never below 1 pixel: a 20000×8 strip would round its short side to 0, which the
    reference cannot resize to at all (so no parity case changes)."""
    h, w = hw
    scale = target / max(h, w)
    return max(1, int(h * scale + 0.5)), max(1, int(w * scale + 0.5))


def pil_bilinear(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """uint8 H×W×C (or H×W) → uint8 resized to hw with Pillow's BILINEAR filter."""
    h, w = hw
    if image.shape[:2] == (h, w):
        return image
    return np.array(Image.fromarray(image).resize((w, h), Image.BILINEAR))  # writable copy
