"""Spectral-residual saliency (Hou & Zhang, CVPR 2007): weight-free, works offline.

Natural images share a smooth log-amplitude spectrum; what sticks out of that
average — the spectral residual — belongs to the unexpected, i.e. salient,
regions. Back in image space (keeping the phase) it lights up small, contrasting
objects and edges. Much LOWER quality than U²-Net: no notion of objects, large
objects come out as their outlines, the blurred map spills past object edges,
busy backgrounds are salient too. It is a fallback for when no U²-Net weights
are at hand.
"""
from __future__ import annotations

import cv2
import numpy as np

from samcli.salient.source import SaliencySource, check_image


def spectral_residual(image: np.ndarray, side: int = 64, blur_sigma: float = 4.0) -> np.ndarray:
    """uint8 RGB (H, W, 3) or grey (H, W) → uint8 (H, W) saliency, min–max scaled to 0..255.

    Computed on a `side`×`side` thumbnail, as in the paper: the residual is a
    property of the coarse spectrum, and a fixed size makes the 3×3 spectral
    average and the blur mean the same thing for every photo."""
    image = check_image(image)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    thumb = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA).astype(np.float64)
    if thumb.max() == thumb.min():  # featureless: its lone DC term would still make a "hot" corner
        return np.zeros(image.shape[:2], np.uint8)
    spectrum = np.fft.fft2(thumb)
    # log(1 + |F|), not log|F|: synthetic or flat images have (near-)empty
    # frequencies whose log → −∞ would swamp the residual
    log_amplitude = np.log1p(np.abs(spectrum))
    # the spectrum is periodic, so its 3×3 average wraps around
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3), borderType=cv2.BORDER_WRAP)
    energy = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    # the raw map is speckled edges; blurring (σ in thumbnail pixels) merges them into blobs
    energy = cv2.GaussianBlur(energy, (0, 0), blur_sigma)
    full = cv2.resize(energy, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    low, high = float(full.min()), float(full.max())
    if high - low <= 1e-12 * max(abs(high), 1.0):
        return np.zeros(image.shape[:2], np.uint8)
    return np.round((full - low) * (255.0 / (high - low))).astype(np.uint8)


class SpectralSaliency(SaliencySource):
    name = "spectral"

    def __init__(self, side: int = 64, blur_sigma: float = 4.0) -> None:
        self.side, self.blur_sigma = side, blur_sigma

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        return spectral_residual(image, self.side, self.blur_sigma)
