"""Binary mask → Label Studio's brush RLE, vectorised.

Label Studio stores a brush region as the RGBA image of the mask (each
pixel's value repeated in the 4 channels), flattened row by row and packed
by thi.ng's rle-pack bit stream:

    header: 32 bits value count, 5 bits word size − 1 (7), 4 × 4 bits run-length
            field widths − 1 (widths 3, 4, 8, 16)
    run:    1 (a repeat) · 2 bits width index · length − 1 in that width · 8 bits value

then zero bits up to a whole byte. The reference encoder
(`label_studio_sdk.converter.brush.mask2rle`) builds that stream as a Python
string, one run at a time. Here every field of every run is computed at
once and the bits are packed by numpy; the bytes are the reference's own,
including its quirks: a run longer than 256 values always uses the 16-bit
width (split into runs of 65536), and a stream that already ends on a byte
boundary still gets one more zero byte.
"""
from __future__ import annotations

import numpy as np

_WIDTHS = np.array([3, 4, 8, 16])
_HEADER_WIDTHS = (3, 4, 8, 16)
_LONG = 1 << 16  # the longest run one 16-bit field holds


def brush_rle(mask: np.ndarray) -> list[int]:
    """(H, W) bool (or 0/1) mask → the brush RLE bytes (values 0 and 255)."""
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size * 4 >= 1 << 32:
        raise ValueError(f"a {mask.shape} mask is too large for Label Studio's brush RLE (32-bit length)")
    lengths, values = _runs(flat)
    lengths = lengths * 4  # each pixel is 4 equal channel values
    # runs over 256 values are split into 65536-long pieces plus a remainder, all 16-bit
    long_run = lengths > 256
    pieces = np.where(long_run, (lengths - 1) // _LONG + 1, 1)
    owner = np.repeat(np.arange(lengths.size), pieces)
    first = np.cumsum(pieces) - pieces
    piece_no = np.arange(owner.size) - first[owner]
    is_last = piece_no == pieces[owner] - 1
    piece_len = np.where(is_last, lengths[owner] - (pieces[owner] - 1) * _LONG, _LONG)
    width_index = np.select([long_run[owner], piece_len <= 8, piece_len <= 16], [3, 0, 1], default=2)
    widths = _WIDTHS[width_index]
    # each piece: "1", width index (2 bits), length − 1 (width bits), value (8 bits)
    code = ((((1 << 2) | width_index) << widths | (piece_len - 1)) << 8) | np.where(values[owner], 255, 0)
    return _pack(flat.size * 4, code.astype(np.int64), (3 + widths + 8).astype(np.int64))


def _runs(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths and values of the runs of equal values."""
    if flat.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    starts = np.concatenate([[0], np.flatnonzero(flat[1:] != flat[:-1]) + 1])
    lengths = np.diff(np.append(starts, flat.size))
    return lengths.astype(np.int64), flat[starts]


def _pack(count: int, codes: np.ndarray, widths: np.ndarray) -> list[int]:
    """Header + each code's low `width` bits, most significant first, zero-padded as the reference pads."""
    header = [(count, 32), (7, 5)] + [(w - 1, 4) for w in _HEADER_WIDTHS]
    codes = np.concatenate([np.array([c for c, _ in header], np.int64), codes])
    widths = np.concatenate([np.array([w for _, w in header], np.int64), widths])
    total = int(widths.sum())
    total += 8 - total % 8  # the reference always adds 1 to 8 zero bits
    bits = np.zeros(total, dtype=np.uint8)
    ends = np.cumsum(widths)
    for k in range(int(widths.max())):  # bit k counted from each code's least significant end
        has = widths > k
        bits[(ends - 1 - k)[has]] = (codes[has] >> k) & 1
    return np.packbits(bits).tolist()
