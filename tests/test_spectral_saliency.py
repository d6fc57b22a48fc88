"""The weight-free spectral-residual source."""
from __future__ import annotations

import numpy as np

from samcli.salient import salient_clicks
from samcli.salient.spectral import SpectralSaliency, spectral_residual


def square_scene() -> tuple[np.ndarray, np.ndarray]:
    image = np.full((240, 320, 3), 90, np.uint8)
    inside = np.zeros((240, 320), bool)
    inside[80:120, 200:240] = True  # a small object, as the method likes them
    image[inside] = 230
    return image, inside


def test_map_shape_dtype_and_determinism():
    image, _ = square_scene()
    first = SpectralSaliency().saliency_map(image)
    assert first.shape == (240, 320) and first.dtype == np.uint8
    assert first.min() == 0 and first.max() == 255
    np.testing.assert_array_equal(first, spectral_residual(image.copy()))


def test_highlights_a_bright_square():
    image, inside = square_scene()
    sal = spectral_residual(image)
    assert sal[inside].mean() > 3 * sal[~inside].mean()
    found = salient_clicks(sal)
    assert found and found.mask[inside].mean() > 0.9  # the blob covers the square
    cols, rows = np.rint(found.points[0]).astype(int)
    assert inside[rows, cols]  # and the centre click is on it
    # lower quality, by design of the method: the blurred map spills around the
    # object, so the blob is several times the square and side clicks miss it


def test_flat_image_has_no_salient_object():
    sal = spectral_residual(np.full((50, 60, 3), 77, np.uint8))
    assert sal.shape == (50, 60) and not sal.any()
    assert not salient_clicks(sal)


def test_grey_input():
    image, _ = square_scene()
    assert spectral_residual(image[..., 0]).shape == (240, 320)
