"""What every saliency source offers: RGB image in, 8-bit salient-object map out."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from samcli.errors import InputError


def check_image(image: np.ndarray) -> np.ndarray:
    """Accept uint8 (H, W, 3) RGB or (H, W) grey; anything else is a caller's mistake."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise InputError(f"saliency needs a uint8 (H, W, 3) RGB or (H, W) grey image, got {image.dtype} {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError(f"empty image {image.shape}")
    return image


class SaliencySource:
    """`saliency_map(image) → uint8 (H, W)`, 0 = background, 255 = most salient,
    at the image's own size. Subclasses implement one of the two methods;
    `saliency_maps` lets a source batch (U²-Net does)."""

    name: str = "?"

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        return self.saliency_maps([image])[0]

    def saliency_maps(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self.saliency_map(image) for image in images]
