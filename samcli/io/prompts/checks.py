"""Item-level checks shared by the prompt readers.

Each check raises `PromptError` with the problem alone ("box has NaN"); the
reader prefixes where the item is ("boxes.json: images[3].prompts[1]: box has
NaN"), records it in `PromptFile.errors` and goes on with the next item, so one
bad row in a labeling export does not throw away the rest of the file.
"""
from __future__ import annotations

import json
import posixpath
import re
from typing import Any

import numpy as np

from samcli.errors import InputError


class PromptError(InputError):
    """One item of a prompt file (or one prompt against its image) is unusable."""


def at(where: str, child: str) -> str:
    """Join locations: 'f.json: images[3]' + 'prompts[1]' → 'f.json: images[3].prompts[1]',
    'f.jsonl:4' + 'prompts[1]' → 'f.jsonl:4: prompts[1]'."""
    return f"{where}.{child}" if where.endswith("]") else f"{where}: {child}"


def show(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it (JSON spelling: null, "text"), shortened."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    except RecursionError:  # a list nested hundreds deep: the parser took it, printing it whole does not
        text = "a value nested too deep to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:g}" for v in np.asarray(values).ravel()) + "]"


def number(value: Any, what: str) -> float:
    # bool is an int subclass in Python; `true` as a coordinate is a mistake, not 1
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PromptError(f"{what} is not a number: {show(value)}")
    try:
        return float(value)
    except OverflowError:  # an integer beyond float range (JSON caps digits; other callers may not)
        raise PromptError(f"{what} is too large: {show(value)}") from None


def finite(values: np.ndarray, what: str) -> np.ndarray:
    if np.isnan(values).any():
        raise PromptError(f"{what} has NaN")
    if np.isinf(values).any():
        raise PromptError(f"{what} has inf (Infinity, or a number too large for a float such as 1e400)")
    return values


def numbers(value: Any, what: str, length: int, expect: str) -> np.ndarray:
    """A JSON list of exactly `length` finite numbers → float64 array."""
    if not isinstance(value, (list, tuple)) or len(value) != length:
        raise PromptError(f"{what} must be {expect}, got {show(value)}")
    values = np.array([number(v, f"{what}[{i}]") for i, v in enumerate(value)], dtype=np.float64)
    return finite(values, what)


def score(value: Any, what: str) -> float:
    return float(finite(np.array([number(value, what)]), what)[0])


#: ids end up in int64 columns (numpy, pycocotools, COCO tools): larger ones cannot be written back
MAX_ID = 2**63 - 1


def integer(value: Any, what: str) -> int:
    """A non-negative integer id up to MAX_ID; 3.0 is accepted (some exporters write floats)."""
    v = number(value, what)
    if not np.isfinite(v) or v != int(v) or v < 0:
        raise PromptError(f"{what} must be a non-negative integer, got {show(value)}")
    # an int is taken exactly; a float only below 2**53, where floats still hold every integer
    if (value if isinstance(value, int) else v) > (MAX_ID if isinstance(value, int) else 2**53):
        raise PromptError(f"{what} {show(value)} is too large (ids go up to 2^63 - 1, as integers)")
    return int(value)


def box_xyxy(box: np.ndarray, what: str = "box") -> np.ndarray:
    x0, y0, x1, y1 = box
    if x1 < x0 or y1 < y0:
        # the usual cause is a COCO-style [x, y, width, height] box: say so
        raise PromptError(f"{what} {fmt(box)} is inverted: expected corners [x0, y0, x1, y1] with x0 <= x1 and "
                          "y0 <= y1, not [x, y, width, height]")
    if x1 == x0 or y1 == y0:
        raise PromptError(f"{what} {fmt(box)} is empty (zero width or height)")
    return box


def _has_size(box: np.ndarray, w: float, h: float, what: str, expect: str) -> None:
    if w < 0 or h < 0:
        raise PromptError(f"{what} {fmt(box)} has a negative width or height (expected {expect})")
    if w == 0 or h == 0:
        raise PromptError(f"{what} {fmt(box)} is empty (zero width or height)")


def box_from_xywh(box: np.ndarray, what: str = "bbox") -> np.ndarray:
    """COCO [x, y, width, height] → [x0, y0, x1, y1]."""
    x, y, w, h = box
    _has_size(box, w, h, what, "[x, y, width, height]")
    return np.array([x, y, x + w, y + h], dtype=np.float64)


def box_from_cxcywh(box: np.ndarray, what: str = "box") -> np.ndarray:
    """YOLO/GroundingDINO [center x, center y, width, height] → [x0, y0, x1, y1]."""
    cx, cy, w, h = box
    _has_size(box, w, h, what, "[center x, center y, width, height]")
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float64)


def fractions(values: np.ndarray, what: str) -> np.ndarray:
    """Normalised coordinates must be fractions of the image size. A little
    overshoot is rounding (clipped later by `resolve`); 412.0 means pixels."""
    if (values < -0.5).any() or (values > 1.5).any():
        raise PromptError(
            f"{what} {fmt(values)} must be fractions of the image width/height (0 to 1); "
            "these look like pixel coordinates"
        )
    return values


def points_and_labels(points: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Native points [[x, y], ...] and labels [1, 0, ...]; labels omitted = all foreground."""
    if not isinstance(points, list) or not points:
        raise PromptError(f"points must be a non-empty list of [x, y] pairs, got {show(points)}")
    xy = np.stack([numbers(p, f"points[{i}]", 2, "[x, y]") for i, p in enumerate(points)])
    if labels is None:
        return xy, np.ones(len(xy), dtype=np.int64)
    if not isinstance(labels, list):
        raise PromptError(f"labels must be a list of 1 (foreground) / 0 (background), got {show(labels)}")
    if len(labels) != len(xy):
        raise PromptError(f"{len(xy)} points but {len(labels)} labels")
    for i, label in enumerate(labels):
        if isinstance(label, bool) or label not in (0, 1):
            raise PromptError(f"labels[{i}] must be 1 (foreground) or 0 (background), got {show(label)}")
    return xy, np.array(labels, dtype=np.int64)


_DRIVE = re.compile(r"^[A-Za-z]:/")


def image_key(value: Any, what: str = "file") -> str:
    """A file path relative to the images folder, with forward slashes."""
    if not isinstance(value, str) or not value.strip():
        raise PromptError(f"{what} must be an image path relative to the images folder, got {show(value)}")
    key = posixpath.normpath(value.strip().replace("\\", "/"))
    if key.startswith("/") or _DRIVE.match(key):
        raise PromptError(f"{what} must be relative to the images folder, got {show(value)}")
    return key
