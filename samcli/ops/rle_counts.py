"""The run lengths COCO compressed-RLE strings stand for, checked, in numpy.

pycocotools trusts its input: a counts string that is cut short reads past its
end, and runs that do not add up to h·w decode into memory the mask does not
own. Readers of RLEs that samcli did not just encode itself (journals, ground
truth) check them here first.

Format (pycocotools' rleFrString): characters offset by 48, 5 data bits each,
0x20 = more characters follow, 0x10 in a value's last character = negative;
from the fourth run on, each value is the difference to the run two places
before. Many strings are decoded in one pass: a journal line can hold
thousands of RLEs, and numpy's cost is per call, not per character.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: characters per value: 7 × 5 bits covers ±2^34 pixels, far beyond any image
MAX_VALUE_CHARS = 7


class RleError(ValueError):
    def __init__(self, index: int, why: str) -> None:
        super().__init__(why)
        self.index = index  # which of the strings


def runs(counts: str) -> np.ndarray:
    """One string's int64 run lengths (background first); RleError if it is not valid."""
    return _decode([counts])[2]


def totals(counts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per string: the pixels its runs cover, and the foreground (odd) runs' pixels; int64."""
    covered, foreground, _ = _decode(counts)
    return covered, foreground


def check(rles: list[Any], areas: list[Any] | None = None) -> tuple[int, str] | None:
    """The first RLE {"size": [h, w], "counts": str} that is not valid (or whose
    `areas` entry is not its foreground pixel count), as (index, why); or None."""
    pixels = []
    for i, rle in enumerate(rles):
        size = rle.get("size") if isinstance(rle, dict) else None
        if not (isinstance(size, list) and len(size) == 2
                and all(type(n) is int and n >= 0 for n in size)):  # bool is not a size
            return i, 'segmentation is not an RLE {"size": [height, width], "counts": ...}'
        if not isinstance(rle.get("counts"), str):
            return i, "RLE counts is not a string"
        pixels.append(size[0] * size[1])
    try:
        covered, foreground = totals([rle["counts"] for rle in rles])
    except RleError as e:
        return e.index, f"RLE counts do not decode ({e})"
    wrong = np.flatnonzero(covered != np.array(pixels, dtype=np.int64))
    if wrong.size:
        i = int(wrong[0])
        return i, f"RLE runs cover {covered[i]} pixels, not {rles[i]['size'][0]}×{rles[i]['size'][1]}"
    if areas is not None:
        wrong = np.flatnonzero(foreground != np.array(areas, dtype=np.int64))
        if wrong.size:
            i = int(wrong[0])
            return i, f"area {areas[i]} is not the RLE's {foreground[i]} pixels"
    return None


def _decode(counts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pixels covered, foreground pixels) per string, and all strings' runs; RleError naming the first bad string."""
    bounds = np.cumsum([len(s) for s in counts], dtype=np.int64)  # end (exclusive) of each string
    begins = bounds - np.array([len(s) for s in counts], dtype=np.int64)

    def fail(position: int, why: str) -> RleError:
        return RleError(int(np.searchsorted(bounds, position, side="right")), why)

    try:
        d = np.frombuffer("".join(counts).encode("ascii"), dtype=np.uint8) - np.uint8(48)  # wraps below "0"
    except UnicodeEncodeError as e:
        raise fail(e.start, "a character outside the RLE alphabet") from None
    if d.size and d.max() >= 64:
        raise fail(int((d >= 64).argmax()), "a character outside the RLE alphabet")
    last = d < 32  # no 0x20 bit: the last character of a value
    nonempty = bounds > begins
    cut = ~last[bounds[nonempty] - 1]
    if cut.any():
        raise fail(int(bounds[nonempty][cut.argmax()] - 1), "cut short")
    ends = np.flatnonzero(last)
    if ends.size == d.size:  # every value one character (runs and differences below 16)
        values = d.astype(np.int64)
        values[values >= 16] -= 32  # 0x10: negative
    else:
        starts = np.concatenate(([0], ends[:-1] + 1))
        chars = ends - starts + 1
        if chars.max() > MAX_VALUE_CHARS:
            raise fail(int(ends[chars.argmax()]), "a run too long for any image")
        shift = 5 * (np.arange(d.size) - np.repeat(starts, chars))
        values = np.add.reduceat((d & 0x1F).astype(np.int64) << shift, starts)
        values -= np.where(d[ends] & 0x10, np.int64(1) << (5 * chars), 0)  # 0x10 in the last character: negative
    first = np.searchsorted(ends, begins)  # index of each string's first value
    count = np.searchsorted(ends, bounds) - first
    first_of_own = np.repeat(first, count)
    k = np.arange(values.size) - first_of_own  # index within its string
    odd = (k & 1).astype(bool)
    runs = values
    for delta in (odd, ~odd & (k >= 2)):  # odd runs, and even runs from the 3rd on, are differences
        running = np.concatenate(([0], np.cumsum(np.where(delta, values, 0))))
        runs = np.where(delta, running[1:] - running[first_of_own], runs)
    if runs.size and runs.min() < 0:
        raise fail(int(ends[runs.argmin()]), "a negative run")
    covered = np.concatenate(([0], np.cumsum(runs)))
    foreground = np.concatenate(([0], np.cumsum(np.where(odd, runs, 0))))
    return covered[first + count] - covered[first], foreground[first + count] - foreground[first], runs
