"""samcli's own prompt format: JSON (or JSONL), in pixels of the original image.

    {"categories": [{"id": 1, "name": "dog"}],                  # optional
     "images": [{"file": "sub/dog.jpg",                          # relative to the images folder
                 "prompts": [{"box": [x0, y0, x1, y1], "category_id": 1},
                             {"points": [[x, y], [x, y]], "labels": [1, 0]},
                             {"box": [x0, y0, x1, y1], "points": [[x, y]], "category": "dog"}]}]}

x right, y down; labels 1 = foreground, 0 = background; `labels` omitted means
every point is foreground. `category` (a name) gets the declared id of that
name, else a new id. Optional `score` per prompt (filtered by min_score).
JSONL: one {"file": ..., "prompts": [...]} record per line; a top-level JSON
list of such records is accepted too.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts.checks import (
    PromptError, at, box_xyxy, image_key, integer, numbers, points_and_labels, score, show,
)
from samcli.io.prompts.collect import Collector, read_categories
from samcli.io.prompts.reading import Record, list_records
from samcli.io.prompts.types import Prompt

IMAGE_KEYS = {"file", "prompts"}
PROMPT_KEYS = {"box", "points", "labels", "category_id", "category", "score"}


def read_json(col: Collector, path: Path, doc: Any) -> None:
    if isinstance(doc, list):
        records = list_records(path, doc)
    elif isinstance(doc, dict) and isinstance(doc.get("images"), list):
        if "categories" in doc:
            col.declare(read_categories(doc["categories"], f"{path}: categories"))
        records = [(f"{path}: images[{i}]", item) for i, item in enumerate(doc["images"])]
    else:
        raise InputError(f'{path}: not a samcli prompt file: expected {{"images": [{{"file": ..., "prompts": [...]}}, ...]}}')
    read_records(col, records)


def read_records(col: Collector, records: list[Record]) -> None:
    # typos like "lables" would silently turn into "all points foreground": say so once per key
    unknown: dict[str, list] = {}
    for where, record in records:
        with col.item(where):
            _note_unknown(unknown, where, record, IMAGE_KEYS)
            key, prompts = _image(record)
            kept = col.image(key)
            for j, p in enumerate(prompts):
                here = at(where, f"prompts[{j}]")
                with col.item(here):
                    _note_unknown(unknown, here, p, PROMPT_KEYS)
                    prompt = _prompt(col, p, here)
                    if prompt is not None:
                        kept.append(replace(prompt, index=j))
    for name, (first, count) in unknown.items():
        more = f" (and {count - 1} more items)" if count > 1 else ""
        col.warn(f'{first}: unknown key "{name}" ignored{more}; known keys: {", ".join(sorted(PROMPT_KEYS | IMAGE_KEYS))}')


def _note_unknown(unknown: dict[str, list], where: str, item: Any, known: set[str]) -> None:
    if isinstance(item, dict):
        for name in item.keys() - known:
            unknown.setdefault(name, [where, 0])[1] += 1


def _image(record: Any) -> tuple[str, list]:
    if not isinstance(record, dict):
        raise PromptError(f'expected {{"file": ..., "prompts": [...]}}, got {show(record)}')
    key = image_key(record.get("file"))
    if "prompts" not in record:
        raise PromptError('missing "prompts" (a list of {"box": ...} / {"points": ...} objects)')
    prompts = record["prompts"]
    if not isinstance(prompts, list):
        raise PromptError(f"prompts must be a list, got {show(prompts)}")
    return key, prompts


def _prompt(col: Collector, p: Any, where: str) -> Prompt | None:
    """One prompt, or None when min_score filters it out."""
    if not isinstance(p, dict):
        raise PromptError(f'expected {{"box": [...]}} and/or {{"points": [...]}}, got {show(p)}')
    box = box_xyxy(numbers(p["box"], "box", 4, "[x0, y0, x1, y1]")) if "box" in p else None
    points = labels = None
    if "points" in p:
        points, labels = points_and_labels(p["points"], p.get("labels"))
    elif "labels" in p:
        raise PromptError('"labels" given without "points"')
    if box is None and points is None:
        raise PromptError(f'prompt has neither "box" nor "points" (keys: {", ".join(p) or "none"})')
    s = score(p["score"], "score") if "score" in p else None
    if not col.keeps(s):
        return None
    cid = integer(p["category_id"], "category_id") if "category_id" in p else None
    name = p.get("category")
    if name is not None and (not isinstance(name, str) or not name):
        raise PromptError(f"category must be a category name, got {show(name)}")
    return Prompt(points=points, labels=labels, box=box, category_id=col.category(cid, name), score=s, source=where)
