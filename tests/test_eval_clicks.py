"""The click sampler on hand-made masks, checked against positions worked out by
hand and against scipy's exact distance transform of the whole padded image."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from samcli.eval.clicks import Click, deepest, first_click, next_click
from tests.eval_fakes import rect

HW = (64, 64)


def disc(cx: float, cy: float, r: float, hw=HW) -> np.ndarray:
    yy, xx = np.mgrid[: hw[0], : hw[1]]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def full_frame_deepest(region: np.ndarray, clicked=()) -> tuple[float, tuple[int, int] | None]:
    """The rule without our bounding-box shortcut: exact EDT of the whole image
    padded by one background pixel, clicked pixels zeroed, first maximum row-major."""
    dist = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
    for c in clicked:
        dist[c.y, c.x] = 0
    if dist.max() == 0:
        return 0.0, None
    ys, xs = np.nonzero(dist == dist.max())
    return float(dist.max()), (int(ys[0]), int(xs[0]))


def test_rectangle_first_click_by_hand():
    # rows 10..29, cols 10..39: depth 10 on rows 19..20 × cols 19..30; the first is (19, 19)
    assert first_click(rect(HW, (10, 29), (10, 39))) == Click(x=19, y=19, positive=True)


def test_ring_click_lies_in_the_band_not_the_hole():
    ring = disc(32, 32, 20) & ~disc(32, 32, 10)
    click = first_click(ring)
    assert ring[click.y, click.x] and click.positive
    # the band is 10 px wide: its deepest pixels are about 5 from either edge, top of the ring first
    assert click.y < 32 and 14 <= abs(np.hypot(click.x - 32, click.y - 32)) <= 16
    assert deepest(ring)[1] == full_frame_deepest(ring)[1] == (click.y, click.x)


def test_two_blobs_the_deeper_wins_not_the_bigger():
    compact = disc(15, 15, 6)  # ~113 px, depth ~6
    strip = rect(HW, (40, 43), (0, 63))  # 256 px, depth 2
    click = first_click(compact | strip)
    assert compact[click.y, click.x] and (click.x, click.y) == (15, 15)


def test_thin_line_first_pixel_in_row_major_order():
    line = rect(HW, (20, 20), (5, 50))  # one pixel thick: every pixel has depth 1
    assert deepest(line) == (1.0, (20, 5))
    assert first_click(line) == Click(x=5, y=20, positive=True)


def test_mask_touching_the_border_counts_the_border_as_boundary():
    # cols 0..9 of every row: depth min(x + 1, 10 - x) is 5 at x = 4 and 5; rows need y + 1 >= 5
    band = rect(HW, (0, 63), (0, 9))
    assert deepest(band) == (5.0, (4, 4))
    assert first_click(band) == Click(x=4, y=4, positive=True)


def test_false_negative_region_deeper_gives_a_positive_click():
    gt = disc(32, 32, 20)
    pred = gt & ~disc(32, 32, 8)  # a hole of radius 8 missed
    click = next_click(gt, pred)
    assert click.positive and not pred[click.y, click.x] and gt[click.y, click.x]


def test_false_positive_region_deeper_gives_a_negative_click():
    gt = disc(20, 20, 10)
    pred = gt | rect(HW, (40, 60), (40, 60))  # a 21×21 block predicted outside the object
    click = next_click(gt, pred)
    assert click == Click(x=50, y=50, positive=False)


def test_a_tie_between_false_negative_and_false_positive_is_negative():
    # the ground truth shifted right by 3 px: a 3-px strip missed, a 3-px strip too much
    gt = rect(HW, (10, 29), (10, 39))
    pred = rect(HW, (10, 29), (13, 42))
    assert next_click(gt, pred) == Click(x=41, y=11, positive=False)


def test_a_clicked_pixel_is_never_clicked_again():
    gt = rect(HW, (10, 29), (10, 39))
    pred = rect(HW, (10, 29), (13, 42))
    done = [Click(x=41, y=11, positive=False)]
    assert next_click(gt, pred, done) == Click(x=41, y=12, positive=False)


def test_nothing_left_to_correct_gives_none():
    gt = disc(30, 30, 9)
    assert next_click(gt, gt.copy()) is None
    assert first_click(np.zeros(HW, dtype=bool)) is None


def test_every_error_pixel_clicked_gives_none():
    gt = rect(HW, (10, 20), (10, 20))
    pred = gt.copy()
    pred[15, 15] = False
    assert next_click(gt, pred) == Click(x=15, y=15, positive=True)
    assert next_click(gt, pred, [Click(x=15, y=15, positive=True)]) is None


@pytest.mark.parametrize("seed", range(6))
def test_bounding_box_shortcut_matches_the_full_image_transform(seed):
    rng = np.random.default_rng(seed)
    region = np.zeros((48, 56), dtype=bool)
    for _ in range(4):
        y, x = rng.integers(0, 48), rng.integers(0, 56)
        region |= disc(x, y, rng.uniform(2, 12), hw=region.shape)
    region &= rng.random(region.shape) > 0.05  # speckle holes
    clicked = [Click(int(x), int(y), True) for y, x in zip(*np.nonzero(region))][::37]
    depth, at = deepest(region, clicked)
    ref_depth, ref_at = full_frame_deepest(region, clicked)
    assert at == ref_at and depth == pytest.approx(ref_depth, rel=1e-6)
