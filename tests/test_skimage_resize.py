"""ops.skimage_resize against scikit-image's recipe rebuilt from scipy.ndimage
(scipy is a test-only dependency; samcli itself never imports it)."""
from __future__ import annotations

import numpy as np
import pytest

from samcli.ops.skimage_resize import skimage_resize

ndi = pytest.importorskip("scipy.ndimage")


def scikit_image_recipe(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """skimage.transform.resize(image, hw, mode="constant") as scikit-image ≥ 0.19 runs it."""
    f = image / 255.0
    factors = np.divide(f.shape, hw + f.shape[2:])
    blurred = ndi.gaussian_filter(f, np.maximum(0, (factors - 1) / 2), mode="constant", cval=0)
    out = ndi.zoom(blurred, 1 / factors, order=1, mode="grid-constant", cval=0, grid_mode=True)
    return np.clip(out, f.min(), f.max())


@pytest.mark.parametrize("shape", [(534, 800, 3), (100, 50, 3), (320, 320, 3), (1000, 200, 3), (321, 319), (7, 900)])
def test_matches_scikit_image_recipe(shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    ours = skimage_resize(image, (320, 320))
    assert ours.shape == (320, 320) + shape[2:] and ours.dtype == np.float64
    np.testing.assert_allclose(ours, scikit_image_recipe(image, (320, 320)), rtol=0, atol=1e-12)


def test_rejects_float_input():
    with pytest.raises(TypeError):
        skimage_resize(np.zeros((4, 4)), (2, 2))
