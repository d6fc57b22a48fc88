"""`skimage.transform.resize(image, shape, mode="constant")` in numpy, without scikit-image.

U²-Net's reference resizes with scikit-image; its defaults (scikit-image ≥ 0.19)
are anti-aliasing on, linear interpolation, zeros outside, clipping to the
input's range. Per axis that is two linear maps, and we apply them as one:

1. downsizing only: a Gaussian blur, σ = (n_in/n_out − 1)/2, taps −r..r with
   r = int(4σ + 0.5), zeros outside the image (scipy `gaussian_filter`, mode constant);
2. linear resampling at src = (i + 0.5)·n_in/n_out − 0.5, zeros outside
   (scipy `zoom`, grid mode, 'grid-constant');

then a clip to [min, max] of the input. Each output sample then mixes only
~4·n_in/n_out input samples, so we store those weights as a band instead of a
dense matrix: cost ∝ input pixels, memory ∝ output pixels.
"""
from __future__ import annotations

import numpy as np


def gaussian_taps(n_in: int, n_out: int) -> np.ndarray:
    """The normalised anti-aliasing kernel (length 2r+1); [1.0] when not downsizing."""
    sigma = max(0.0, (n_in / n_out - 1.0) / 2.0)
    if sigma <= 1e-15:  # scipy skips a zero sigma altogether
        return np.ones(1)
    radius = int(4.0 * sigma + 0.5)
    k = np.arange(-radius, radius + 1, dtype=np.float64)
    taps = np.exp(-0.5 * (k / sigma) ** 2)
    return taps / taps.sum()


def resample_band(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Blur-then-interpolate along one axis as a band: (index, weight), each
    (n_out, K); output i = Σ_k weight[i, k] · input[index[i, k]]. Samples that
    fall outside the input get weight 0 (their index is clamped to stay valid)."""
    taps = gaussian_taps(n_in, n_out)
    radius = len(taps) // 2
    src = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    left = np.floor(src).astype(np.int64)
    frac = src - left
    # input j feeds output i through interpolation point p ∈ {left, left+1}
    # with weight lin(p)·taps[j − p + radius]; j spans left−r .. left+1+r
    offsets = np.arange(-radius, radius + 2)
    index = left[:, None] + offsets[None, :]
    weight = np.zeros(index.shape)
    for point, lin in ((left, 1.0 - frac), (left + 1, frac)):
        inside = (point >= 0) & (point < n_in)  # interpolation points outside read 0
        k = index - point[:, None] + radius
        valid = (k >= 0) & (k < len(taps))
        weight += np.where(valid & inside[:, None], lin[:, None] * taps[np.clip(k, 0, len(taps) - 1)], 0.0)
    weight[(index < 0) | (index >= n_in)] = 0.0  # blurring reads zeros outside too
    return np.clip(index, 0, n_in - 1), weight


def apply_band(x: np.ndarray, axis: int, n_out: int) -> np.ndarray:
    index, weight = resample_band(x.shape[axis], n_out)
    shape = [1] * x.ndim
    shape[axis] = n_out
    out = np.zeros(x.shape[:axis] + (n_out,) + x.shape[axis + 1:])
    for k in range(index.shape[1]):  # one vectorised pass per tap, not per pixel
        out += weight[:, k].reshape(shape) * np.take(x, index[:, k], axis=axis)
    return out


def skimage_resize(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W[, C]) → float64 (h, w[, C]) in [0, 1], as scikit-image's `resize`
    with `mode="constant"` and its other defaults. Channels are never mixed."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    # resample the uint8 values and scale once at the end: linear, so the same
    # up to float64 rounding, without a float copy of a possibly huge photo;
    # rows first, because gathering whole rows is contiguous
    out = apply_band(apply_band(image, 0, hw[0]), 1, hw[1]) / 255.0
    return np.clip(out, image.min() / 255.0, image.max() / 255.0)
