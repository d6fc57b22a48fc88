"""GroundingDINO detections as box prompts.

One record per image, as `groundingdino.util.inference.predict` returns them:

    {"file": "dog.jpg", "boxes": [[cx, cy, w, h], ...],    # fractions of width/height
     "logits": [0.53, ...], "phrases": ["dog", ...]}

("scores" may stand for "logits", "labels" for "phrases"; the image under "file",
"image", "image_path" or "file_name"). As a JSON list of records, a dict
{"dog.jpg": {"boxes": ..., ...}}, or JSONL (one record per line). Phrases become
categories, ids 1, 2, ... in order of first appearance; the "(0.53)" logit suffix of
Grounded-SAM's phrases is stripped (and used as the score when there are no logits).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts.checks import PromptError, at, box_from_cxcywh, fractions, image_key, numbers, score, show
from samcli.io.prompts.collect import Collector
from samcli.io.prompts.reading import Record, list_records
from samcli.io.prompts.types import Prompt

FILE_KEYS = ("file", "image", "image_path", "file_name")
SCORE_KEYS = ("logits", "scores")
PHRASE_KEYS = ("phrases", "labels")
_LOGIT_SUFFIX = re.compile(r"\s*\((\d*\.?\d+)\)\s*$")


def is_record(value: Any) -> bool:
    return isinstance(value, dict) and "boxes" in value and any(k in value for k in SCORE_KEYS + PHRASE_KEYS)


def read_json(col: Collector, path: Path, doc: Any) -> None:
    if isinstance(doc, list):
        read_records(col, list_records(path, doc))
    elif is_record(doc):
        read_records(col, [(str(path), doc)])
    elif isinstance(doc, dict) and doc and all(isinstance(v, dict) for v in doc.values()):
        # {"dog.jpg": {"boxes": ...}}: the key names the image
        for name, record in doc.items():
            _read_record(col, f"{path}: {show(name)}", record, file=name)
    else:
        raise InputError(
            f'{path}: not GroundingDINO output: expected records {{"file", "boxes", "logits", "phrases"}} '
            'as a list, one per line (JSONL), or a dict keyed by image'
        )


def read_records(col: Collector, records: list[Record]) -> None:
    for where, record in records:
        _read_record(col, where, record)


def _read_record(col: Collector, where: str, record: Any, file: str | None = None) -> None:
    with col.item(where):
        key, boxes, scores, phrases = _columns(record, file)
        prompts = col.image(key)
        for j, (box, s, phrase) in enumerate(zip(boxes, scores, phrases)):
            here = at(where, f"boxes[{j}]")
            with col.item(here):
                prompt = _prompt(col, box, s, phrase, j, here)
                if prompt is not None:
                    prompts.append(prompt)


def _columns(record: Any, file: str | None) -> tuple[str, list, list, list]:
    """The record's image key and its parallel boxes / scores / phrases lists."""
    if not isinstance(record, dict):
        raise PromptError(f'expected {{"file", "boxes", "logits", "phrases"}}, got {show(record)}')
    if file is None:
        found = next((k for k in FILE_KEYS if k in record), None)
        if found is None:
            raise PromptError(f"no image named (expected one of {', '.join(map(repr, FILE_KEYS))})")
        file = record[found]
    key = image_key(file, "file")
    columns = [_column(record, names) for names in (("boxes",), SCORE_KEYS, PHRASE_KEYS)]
    boxes, scores, phrases = columns
    if boxes is None:
        raise PromptError('missing "boxes" ([[cx, cy, w, h], ...] as fractions of the image size)')
    lengths = {name: len(values) for name, values in filter(None, columns)}
    if len(set(lengths.values())) > 1:
        raise PromptError("lists of different lengths: " + ", ".join(f"{n} {name}" for name, n in lengths.items()))
    n = len(boxes[1])
    return key, boxes[1], scores[1] if scores else [None] * n, phrases[1] if phrases else [None] * n


def _column(record: dict, names: tuple[str, ...]) -> tuple[str, list] | None:
    """(name, list) of the first of `names` the record has (GroundingDINO tools spell them differently)."""
    for name in names:
        if name in record:
            if not isinstance(record[name], list):
                raise PromptError(f"{name} must be a list, got {show(record[name])}")
            return name, record[name]
    return None


def _prompt(col: Collector, box: Any, s: Any, phrase: Any, j: int, where: str) -> Prompt | None:
    xyxy = box_from_cxcywh(fractions(numbers(box, "box", 4, "[cx, cy, w, h]"), "box"))
    name = None
    if phrase is not None:
        if not isinstance(phrase, str):
            raise PromptError(f"phrases[{j}] must be text, got {show(phrase)}")
        suffix = _LOGIT_SUFFIX.search(phrase)
        name = (phrase[: suffix.start()] if suffix else phrase).strip()
        if s is None and suffix:
            s = float(suffix.group(1))
    s = score(s, "score") if s is not None else None
    if not col.keeps(s):
        return None
    return Prompt(box=xyxy, category_id=col.category(None, name), score=s, normalized=True, source=where)
