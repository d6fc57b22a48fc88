from __future__ import annotations

import numpy as np
import pytest

from samcli.salient import cutout_rgba, mask_box


def scene():
    image = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    mask = np.zeros((20, 30), bool)
    mask[2:6, 25:29] = True
    return image, mask


def test_crop_with_padding_clamped_to_the_image():
    image, mask = scene()
    assert mask_box(mask) == (25, 2, 29, 6)
    assert mask_box(mask, pad=3) == (22, 0, 30, 9)
    rgba = cutout_rgba(image, mask, pad=3)
    assert rgba.shape == (9, 8, 4) and rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[..., :3], image[0:9, 22:30])
    np.testing.assert_array_equal(rgba[..., 3], mask[0:9, 22:30] * 255)


def test_full_frame_and_mask_kinds():
    image, mask = scene()
    full = cutout_rgba(image, mask, crop=False)
    assert full.shape == (20, 30, 4) and int(full[..., 3].sum()) == 16 * 255
    np.testing.assert_array_equal(cutout_rgba(image, mask.astype(np.uint8)), cutout_rgba(image, mask))


def test_empty_mask_gives_a_transparent_frame():
    image, mask = scene()
    assert mask_box(mask & False) is None
    rgba = cutout_rgba(image, mask & False)
    assert rgba.shape == (20, 30, 4) and not rgba[..., 3].any()


def test_size_mismatch():
    image, mask = scene()
    with pytest.raises(ValueError):
        cutout_rgba(image, mask[:10])
