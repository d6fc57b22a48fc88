"""Checking COCO compressed-RLE strings without pycocotools (which trusts them)."""
from __future__ import annotations

import numpy as np

from samcli.ops import rle, rle_counts


def test_many_strings_at_once_agree_with_pycocotools_and_name_the_bad_one():
    rng = np.random.default_rng(3)
    rles = []
    for i in range(40):  # noise (short runs) and blobs (long, multi-character runs), mixed
        h, w = (int(v) for v in rng.integers(1, 300, 2))
        mask = rng.random((1, h, w)) < 0.5 if i % 2 else np.zeros((1, h, w), bool)
        mask[0, : h // 2, : w // 3] = i % 4 == 0
        rles += rle.encode(mask)
    rles.append({"size": [0, 0], "counts": ""})
    covered, foreground = rle_counts.totals([r["counts"] for r in rles])
    assert covered.tolist() == [h * w for h, w in (r["size"] for r in rles)]
    assert foreground.tolist() == rle.area(rles)
    assert rle_counts.check(rles, rle.area(rles)) is None
    for damage, why in [(lambda c: c[:-1] + "o", "cut short"), (lambda c: c + "\x7f", "outside the RLE alphabet"),
                        (lambda c: c + "1", "RLE runs cover"), (lambda c: "ooooooooO" + c, "too long")]:
        bad = [dict(r) for r in rles]
        bad[17]["counts"] = damage(bad[17]["counts"])
        index, message = rle_counts.check(bad)
        assert index == 17 and why in message, message
    areas = rle.area(rles)
    areas[5] += 1
    assert rle_counts.check(rles, areas)[0] == 5
    assert "negative" in rle_counts.check([{"size": [2, 2], "counts": "4O"}])[1]  # runs 4, then -1
