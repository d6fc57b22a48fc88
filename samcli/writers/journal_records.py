"""What a journal line must hold before `--resume` trusts it.

A journal outlives the process that wrote it: a disk error, a hand edit or a
copy cut short can leave lines that still parse as JSON but would crash the
results writer after all the remaining work, or go into the output as masks
that do not decode. `problem` checks a record's shape and types, and that its
RLEs decode to their image size and stated areas (`ops.rle_counts`, all of a
record's RLEs in one numpy pass: cheap next to parsing the line).

Records are `ImageResult.to_json()` (segment, everything, salient, embed) or eval's
`EvalResult.to_json()` (with "image_id", and "instances" or "detections").
"""
from __future__ import annotations

from typing import Any

from samcli.ops import rle_counts


def _int(value: Any) -> bool:
    # bool is not a count; beyond int64 no writer (numpy, pycocotools, float maths) can take it
    return type(value) is int and 0 <= value < 2**63


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _id(value: Any) -> bool:
    return _int(value) or isinstance(value, str)


def _sizes(value: Any, n: int) -> bool:
    return isinstance(value, list) and len(value) == n and all(_int(v) for v in value)


def _embedding(e: Any) -> bool:
    """`embed`'s entry: the embedding's shape and dtype, where it sits in the model's frames, the file's sha256."""
    return (isinstance(e, dict) and _sizes(e.get("shape"), 4) and isinstance(e.get("tensor_dtype"), str)
            and _sizes(e.get("resized_hw"), 2) and (e.get("input_hw") is None or _sizes(e.get("input_hw"), 2))
            and isinstance(e.get("sha256"), str))


def problem(rec: Any) -> str | None:
    """What is wrong with one journal record, or None."""
    if not isinstance(rec, dict):
        return "not a JSON object"
    for name, ok, expect in (("file", lambda v: isinstance(v, str) and v, "an image key"),
                             ("path", lambda v: isinstance(v, str), "text"),
                             ("width", _int, "a pixel count"), ("height", _int, "a pixel count")):
        if not ok(rec.get(name)):
            return f'"{name}" is not {expect}'
    for name, ok, expect in (("error", lambda v: isinstance(v, str), "text"), ("warnings", _texts, "a list of text"),
                             ("prompt_errors", _texts, "a list of text"), ("stats", lambda v: isinstance(v, dict), "an object"),
                             ("image_id", _id, "an image id"), ("embedding", _embedding, "an embedding's entry")):
        if name in rec and not ok(rec[name]):
            return f'"{name}" is not {expect}'
    if "annotations" not in rec and "image_id" not in rec:
        return 'no "annotations"'
    return _items(rec, "annotations", _annotation) or _items(rec, "instances", _instance) \
        or _items(rec, "detections", _detection) or _masks(rec)


def _items(rec: dict, name: str, check: Any) -> str | None:
    if name not in rec:
        return None
    items = rec[name]
    if not isinstance(items, list):
        return f'"{name}" is not a list'
    for i, item in enumerate(items):
        why = check(item) if isinstance(item, dict) else "not a JSON object"
        if why:
            return f"{name}[{i}]: {why}"
    return None


def _annotation(a: dict) -> str | None:
    if not _int(a.get("category_id")):
        return '"category_id" is not a category id'
    if not _int(a.get("area")):
        return '"area" is not a pixel count'
    bbox = a.get("bbox")
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(map(_number, bbox))):
        return '"bbox" is not [x, y, width, height]'
    if not _number(a.get("score")):
        return '"score" is not a number'
    return None


def _instance(r: dict) -> str | None:
    if not _id(r.get("id")) or not _int(r.get("category_id")) or not _number(r.get("area")):
        return '"id", "category_id" or "area" is not an id, a category id and a number'
    iou = r.get("iou")
    if not (isinstance(iou, list) and iou and all(map(_number, iou))):
        return '"iou" is not a list of numbers'
    clicks = r.get("clicks", [])
    if not (isinstance(clicks, list) and all(isinstance(c, list) and len(c) == 3 and _number(c[0]) and _number(c[1])
                                             and c[2] in (0, 1) for c in clicks)):
        return '"clicks" is not a list of [x, y, 1 | 0]'
    return None


def _detection(d: dict) -> str | None:
    if not _id(d.get("image_id")) or not _int(d.get("category_id")) or not _number(d.get("score")):
        return '"image_id", "category_id" or "score" is not an id, a category id and a number'
    return None


def _masks(rec: dict) -> str | None:
    """Every RLE of the record decodes to its size, and an annotation's area is its RLE's
    and its size the image's (the writers scale polygons and boxes by the image's size)."""
    for i, a in enumerate(rec.get("annotations") or ()):
        size = a.get("segmentation", {}).get("size") if isinstance(a.get("segmentation"), dict) else None
        if size is not None and size != [rec["height"], rec["width"]]:
            return f"annotations[{i}]: its RLE is {size[0]}×{size[1]}, the image {rec['height']}×{rec['width']}"
    for name, with_area in (("annotations", True), ("detections", False)):
        items = rec.get(name)
        found = items and rle_counts.check([a.get("segmentation") for a in items],
                                 [a["area"] for a in items] if with_area else None)
        if found:
            return f"{name}[{found[0]}]: {found[1]}"
    return None
