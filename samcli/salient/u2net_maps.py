"""Salient-object maps from U²-Net, step for step as the reference `u2net_test.py`:

1. resize to 320×320 like scikit-image (anti-aliased; the aspect ratio is NOT kept),
2. divide by the image's single global maximum, ImageNet mean/std per channel,
3. the fused output d0, min–max normalised per image (`normPRED`),
4. ×255 and truncated to uint8 AT 320×320 (Pillow 'F' → 'L'),
5. Pillow bilinear back to the original size.

Deliberate departures, only where the reference fails: an all-black image
(reference divides by zero) gives an all-zero input; a constant prediction
(again 0/0) gives an all-zero map.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from samcli.models.u2net import U2Net
from samcli.ops.resize import pil_bilinear
from samcli.ops.skimage_resize import skimage_resize
from samcli.salient.source import SaliencySource, check_image

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def u2net_input(image: np.ndarray, size: int = 320) -> torch.Tensor:
    """uint8 (H, W, 3) RGB or (H, W) grey → float32 (3, size, size) model input
    (`RescaleT(size)` + `ToTensorLab(flag=0)`, computed in float64 as there)."""
    f = skimage_resize(check_image(image), (size, size))
    peak = f.max()  # one maximum over all pixels AND channels
    if peak > 0:
        f = f / peak
    if f.ndim == 2:  # the reference normalises grey with the red channel's statistics
        f = np.repeat(f[..., None], 3, axis=2)
        mean, std = IMAGENET_MEAN[:1], IMAGENET_STD[:1]
    else:
        mean, std = IMAGENET_MEAN, IMAGENET_STD
    return torch.from_numpy(((f - mean) / std).transpose(2, 0, 1).astype(np.float32))


def normalize_prediction(d0: torch.Tensor) -> torch.Tensor:
    """(B, 1, h, w) or (B, h, w) probabilities → (B, h, w), each image min–max scaled to [0, 1]."""
    d0 = d0.reshape(d0.shape[0], *d0.shape[-2:])
    low = d0.amin(dim=(1, 2), keepdim=True)
    high = d0.amax(dim=(1, 2), keepdim=True)
    span = high - low
    return torch.where(span > 0, (d0 - low) / span, torch.zeros_like(d0))


def map_to_uint8(pred_norm: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """[0, 1] float32 (h, w) → uint8 (H, W): quantise first (truncating, as Pillow
    turns a float image into 8 bits), then Pillow bilinear to the original size."""
    levels = np.clip(pred_norm.astype(np.float32) * np.float32(255), 0, 255).astype(np.uint8)
    return pil_bilinear(levels, hw)


class U2NetSaliency(SaliencySource):
    """U²-Net / U²-Net-small as a saliency source; batches images through the net.

    For a pipelined engine the three steps are public: `preprocess` (CPU, thread-safe),
    `predict` (a stacked batch on the model's device), `postprocess` (CPU)."""

    def __init__(self, model: U2Net, batch_size: int = 8) -> None:
        self.model = model
        self.batch_size = batch_size
        spec = getattr(model, "spec", None)
        self.name = spec.id if spec is not None else type(model).__name__

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        return u2net_input(image, self.model.input_size)

    @torch.no_grad()
    def predict(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) inputs → (B, S, S) normalised maps in [0, 1], float32 on the CPU."""
        d0 = self.model(batch.to(self.device, self.dtype))[:, :1]
        return normalize_prediction(d0.float()).cpu()  # min–max in float32 even for a half model

    def postprocess(self, pred_norm: torch.Tensor | np.ndarray, hw: tuple[int, int]) -> np.ndarray:
        return map_to_uint8(np.asarray(pred_norm), hw)

    def saliency_maps(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        maps: list[np.ndarray] = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            preds = self.predict(torch.stack([self.preprocess(image) for image in chunk]))
            maps.extend(self.postprocess(pred, image.shape[:2]) for pred, image in zip(preds, chunk))
        return maps
