"""The click rule on hand-made maps, and on the parity golden map."""
from __future__ import annotations

import numpy as np
import pytest

from samcli.salient import NoSalientObject, SalientObject, salient_clicks
from tests.parity import golden


def assert_on_blob(found: SalientObject) -> None:
    cols, rows = np.rint(found.points).astype(int).T
    assert found.mask[rows, cols].all(), found.points


def test_ring_centre_snaps_onto_the_ring():
    yy, xx = np.mgrid[:101, :101]
    radius = np.hypot(xx - 50, yy - 50)
    ring = ((radius >= 30) & (radius <= 34)).astype(np.uint8) * 255
    found = salient_clicks(ring)
    assert found and found.area == int((ring > 0).sum())
    assert len(found.points) == 5
    assert_on_blob(found)
    # the centre (50, 50) is in the hole: it moved to the ring's inner edge, 30 px away
    assert np.hypot(*(found.points[0] - 50)) == pytest.approx(30, abs=0.5)


def test_larger_summed_saliency_beats_larger_area():
    sal = np.zeros((60, 120), np.uint8)
    sal[10:50, 5:45] = 140  # 1600 px, Σ ≈ 878
    sal[15:45, 70:100] = 255  # 900 px, Σ = 900
    found = salient_clicks(sal)
    assert found.area == 900 and found.score == pytest.approx(900.0)
    assert found.box == (70, 15, 99, 44)
    assert (found.points[:, 0] >= 70).all()
    np.testing.assert_allclose(found.points[0], [84.5, 29.5])  # centre of mass, pixel-centre convention


def test_l_shape_clicks():
    sal = np.zeros((50, 50), np.uint8)
    sal[5:45, 5:15] = 200  # vertical bar
    sal[35:45, 5:45] = 200  # foot
    found = salient_clicks(sal)
    assert found.area == 400 + 300
    assert_on_blob(found)
    # the centre of mass lies in the L's empty corner and is snapped
    ys, xs = np.nonzero(sal)
    assert not sal[int(round(ys.mean())), int(round(xs.mean()))]
    assert 3 <= len(found.points) <= 5 and len(np.unique(found.points, axis=0)) == len(found.points)


def test_threshold_is_inclusive():
    sal = np.zeros((20, 20), np.uint8)
    sal[5:15, 5:15] = 128  # 128/255 ≥ 0.5, 127/255 is not
    assert salient_clicks(sal, threshold=0.5, min_blob_area=1)
    sal[5:15, 5:15] = 127
    assert not salient_clicks(sal, threshold=0.5, min_blob_area=1)
    assert salient_clicks(sal.astype(np.float64) / 255, threshold=0.49, min_blob_area=1).area == 100


def test_empty_map_is_a_result_not_a_crash():
    found = salient_clicks(np.zeros((30, 40), np.uint8))
    assert isinstance(found, NoSalientObject) and not found
    assert "no salient object" in found.reason


def test_min_blob_area_ignores_specks():
    sal = np.zeros((40, 40), np.uint8)
    sal[2:4, 2:4] = 255  # a 4-px speck, the brightest thing
    sal[20:30, 20:30] = 150  # 100-px object, Σ ≈ 58.8 ≫ 4
    sal[35, 35] = 255
    assert salient_clicks(sal, min_blob_area=50).area == 100
    found = salient_clicks(sal, min_blob_area=101)
    assert not found and "min_blob_area" in found.reason and "3 blobs" in found.reason


def test_diagonal_pixels_are_one_blob():
    sal = np.eye(20, dtype=np.uint8) * 255  # 8-connectivity
    assert salient_clicks(sal, min_blob_area=1).area == 20


def test_bad_arguments():
    with pytest.raises(ValueError):
        salient_clicks(np.zeros((4, 4), np.uint8), threshold=1.5)
    with pytest.raises(ValueError):
        salient_clicks(np.zeros((4, 4, 3), np.uint8))


@pytest.mark.parametrize("fixture,largest", [("u2netp", 257_353), ("u2net", 30_716)])
def test_on_golden_map(fixture, largest):
    # README statistics: at ≥ 128 the largest 8-connected component has `largest` px
    found = salient_clicks(golden(fixture)["pipe/saliency_uint8"], threshold=0.5)
    assert found.area == largest
    assert_on_blob(found)
