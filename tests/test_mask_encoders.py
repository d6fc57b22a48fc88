"""Property tests of the mask encoders (samcli/ops/brush.py, samcli/ops/polygons.py)
over random masks: holes, several parts, parts on the image border, single pixels,
empty and full frames. Label Studio's own decoder and reference encoder are checked
in tests/test_consumers.py (they live in a separate environment)."""
from __future__ import annotations

import cv2
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samcli.ops.brush import brush_rle
from samcli.ops.polygons import mask_polygon, part_contours

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def masks(draw) -> np.ndarray:
    """Unions of boxes and discs (some on the border) minus holes, or noise, or a single
    pixel, or nothing, or everything."""
    h, w = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    kind = draw(st.sampled_from(["shapes", "shapes", "shapes", "noise", "pixel", "empty", "full"]))
    m = np.zeros((h, w), np.uint8)
    if kind == "full":
        m[:] = 1
    elif kind == "pixel":
        m[draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))] = 1
    elif kind == "noise":
        seed = draw(st.integers(0, 2**32 - 1))
        m = (np.random.default_rng(seed).random((h, w)) < draw(st.floats(0.05, 0.95))).astype(np.uint8)
    elif kind == "shapes":
        for _ in range(draw(st.integers(1, 4))):
            x, y = draw(st.integers(-4, w)), draw(st.integers(-4, h))
            if draw(st.booleans()):
                cv2.rectangle(m, (x, y), (x + draw(st.integers(0, 30)), y + draw(st.integers(0, 30))), 1, -1)
            else:
                cv2.circle(m, (x, y), draw(st.integers(0, 15)), 1, -1)
        for _ in range(draw(st.integers(0, 3))):  # holes
            x, y = draw(st.integers(0, w)), draw(st.integers(0, h))
            cv2.rectangle(m, (x, y), (x + draw(st.integers(0, 5)), y + draw(st.integers(0, 5))), 0, -1)
    return m.astype(bool)


# ---- brush RLE: decoded by the format's own definition ----

def _bits(data: list[int]) -> np.ndarray:
    return np.unpackbits(np.array(data, np.uint8))


def decode_brush(rle: list[int]) -> np.ndarray:
    """thi.ng rle-pack, as Label Studio defines it: → the flat value array."""
    bits, pos = _bits(rle), 0

    def read(n: int) -> int:
        nonlocal pos
        value = int("".join(map(str, bits[pos:pos + n])) or "0", 2)
        pos += n
        return value

    count, word = read(32), read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    out, i = np.zeros(count, np.int64), 0
    while i < count:
        repeat = read(1)
        j = i + 1 + read(sizes[read(2)])
        if repeat:
            out[i:j] = read(word)
        else:
            for k in range(i, j):
                out[k] = read(word)
        i = j
    return out


@SETTINGS
@given(masks())
def test_brush_rle_decodes_to_the_mask_in_every_channel(mask):
    rgba = decode_brush(brush_rle(mask)).reshape(*mask.shape, 4)
    assert (rgba == (mask * 255)[..., None]).all()


def test_brush_rle_header_and_long_runs():
    full = np.ones((300, 300), bool)  # one run of 360000 values: 16-bit pieces of 65536
    rle = brush_rle(full)
    bits = _bits(rle)
    assert int("".join(map(str, bits[:32])), 2) == 300 * 300 * 4
    assert (decode_brush(rle) == 255).all()
    assert brush_rle(np.zeros((0, 5), bool))[:4] == [0, 0, 0, 0]


# ---- polygons ----

def refill(polygon: np.ndarray, shape) -> np.ndarray:
    """Polygon → raster as Ultralytics' polygon2mask does it: truncate to pixel indices, cv2.fillPoly."""
    out = np.zeros(shape, np.uint8)
    if len(polygon):
        cv2.fillPoly(out, [polygon.astype(np.int32)], 1)
    return out.astype(bool)


def filled(part: np.ndarray) -> np.ndarray:
    """A part with its holes filled: the background not reachable from outside the image."""
    padded = np.pad(part, 1).astype(np.uint8)
    outside = padded.copy()
    cv2.floodFill(outside, None, (0, 0), 2, flags=4)
    return (outside != 2)[1:-1, 1:-1]


def largest_parts(mask: np.ndarray) -> list[np.ndarray]:
    """Every part of the largest area (ties are possible)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    return [labels == 1 + k for k in np.flatnonzero(areas == areas.max())]


@SETTINGS
@given(masks())
def test_joined_polygon_covers_every_part_and_stays_in_the_image(mask):
    polygon = mask_polygon(mask)
    if not mask.any():
        assert polygon.shape == (0, 2)
        return
    h, w = mask.shape
    assert len(polygon) >= 3
    assert (polygon >= 0.5).all() and (polygon[:, 0] <= w - 0.5).all() and (polygon[:, 1] <= h - 0.5).all()
    assert (refill(polygon, mask.shape) | ~mask).all()  # every mask pixel is inside


@SETTINGS
@given(masks())
def test_largest_part_polygon_is_that_part_with_its_holes_filled(mask):
    polygon = mask_polygon(mask, "largest")
    if mask.any():
        back = refill(polygon, mask.shape)
        assert any((back == filled(part)).all() for part in largest_parts(mask))


@SETTINGS
@given(masks(), st.integers(0, 60))
def test_parts_under_min_area_are_dropped(mask, min_area):
    kept = part_contours(mask, min_area)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    big = [k for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= min_area]
    covered = refill(mask_polygon(mask, "join", min_area), mask.shape)
    assert covered[np.isin(labels, big)].all()
    # each kept outline is one big part's; the largest comes first
    owners = [labels[c[0, 1], c[0, 0]] for c in kept]
    assert len(set(owners)) == len(owners) and set(owners) <= set(big)
    areas = [stats[k, cv2.CC_STAT_AREA] for k in owners]
    assert areas == sorted(areas, reverse=True)


def test_many_parts_in_a_chain_join_without_recursion_limits():
    mask = np.zeros((8, 6000), bool)
    mask[2:5, :4800:4] = True  # 1200 parts in a row: a chain deeper than the recursion limit
    polygon = mask_polygon(mask)
    assert refill(polygon, mask.shape)[mask].all()
