"""`load_prompts`: pick the reader for a prompt file (given or sniffed) and run it."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts import coco, gdino, native, yolo
from samcli.io.prompts.checks import show
from samcli.io.prompts.collect import Collector
from samcli.io.prompts.reading import Record, read_json, read_jsonl
from samcli.io.prompts.types import PromptFile

FORMATS = ("auto", "json", "coco", "yolo", "gdino")
TRIED = (
    'samcli JSON {"images": [{"file", "prompts"}]}; COCO dataset {"images", "annotations"}; '
    'COCO results [{"image_id", "bbox", "score", "category_id"}]; '
    'GroundingDINO records {"file", "boxes", "logits", "phrases"}; YOLO: a folder of .txt label files'
)


def load_prompts(
    path: str | Path,
    format: str = "auto",
    *,
    min_score: float | None = None,
    class_names: str | Path | None = None,
    coco_images: str | Path | None = None,
) -> PromptFile:
    """Read a prompt file (or YOLO label folder) into prompts per image key.

    `format`: auto | json | coco | yolo | gdino. `min_score` drops scored prompts
    (detections) below it. `class_names`: YOLO data.yaml or names file. `coco_images`:
    a COCO dataset JSON mapping a results file's image_id to file_name.
    Raises InputError when the file cannot be read at all; unusable items are listed
    in the result's `errors` and skipped.
    """
    if format not in FORMATS:
        raise InputError(f"unknown prompt format {format!r}; choose one of {', '.join(FORMATS)}")
    if min_score is not None and (isinstance(min_score, bool) or not isinstance(min_score, (int, float))
                                  or not math.isfinite(min_score)):
        raise InputError(f"min_score must be a number, got {min_score!r}")
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    fmt, content = _read(path, format)
    col = Collector(str(path), fmt, min_score)
    if fmt == "yolo":
        yolo.load(col, path, class_names)
    elif isinstance(content, tuple):  # JSONL: records, plus the lines that were not JSON
        records, broken = content
        col.file.errors.extend(broken)
        _read_records(col, fmt, records, coco_images)
    else:
        _read_json(col, fmt, path, content, coco_images)
    _final_warnings(col, class_names, coco_images)
    return col.file


def _read(path: Path, format: str) -> tuple[str, Any]:
    """The format and the parsed content (None for YOLO, which reads its own files)."""
    if path.is_dir() or format == "yolo" or (format == "auto" and path.suffix.lower() == ".txt"):
        if format not in ("auto", "yolo"):
            raise InputError(f"{path}: is a folder; only YOLO labels (--prompt-format yolo) come as a folder")
        return "yolo", None
    if path.suffix.lower() == ".jsonl":
        records, broken = read_jsonl(path)
        first = next((value for _, value in records if isinstance(value, dict)), None)
        return (format if format != "auto" else _sniff_record(path, first, "the first record")), (records, broken)
    doc = read_json(path)
    return (format if format != "auto" else _sniff(path, doc)), doc


def _sniff(path: Path, doc: Any) -> str:
    if isinstance(doc, list):
        first = next((item for item in doc if isinstance(item, dict)), None)
        return _sniff_record(path, first, f"a list of {len(doc)}; the first object")
    if isinstance(doc, dict):
        if isinstance(doc.get("annotations"), list):
            return "coco"
        images = doc.get("images")
        if isinstance(images, list) and (not images or any(isinstance(i, dict) and "prompts" in i for i in images)):
            return "json"
        if gdino.is_record(doc) or (doc and all(gdino.is_record(v) for v in doc.values())):
            return "gdino"
        raise _undecidable(path, "top-level keys: " + (", ".join(map(show, list(doc)[:8])) or "none"))
    raise _undecidable(path, f"top level is {show(doc)}")


def _sniff_record(path: Path, record: dict | None, what: str) -> str:
    if record is None:
        raise _undecidable(path, f"{what}: none")
    if "prompts" in record:
        return "json"
    if "image_id" in record and "bbox" in record:
        return "coco"
    if gdino.is_record(record):
        return "gdino"
    raise _undecidable(path, f"{what} has keys: " + (", ".join(map(show, list(record)[:8])) or "none"))


def _undecidable(path: Path, found: str) -> InputError:
    return InputError(
        f"{path}: cannot tell the prompt format ({found}). Tried: {TRIED}. "
        f"Name it with --prompt-format json|coco|yolo|gdino."
    )


def _read_json(col: Collector, fmt: str, path: Path, doc: Any, coco_images: str | Path | None) -> None:
    if fmt == "coco":
        coco.read_json(col, path, doc, coco_images)
    else:
        {"json": native.read_json, "gdino": gdino.read_json}[fmt](col, path, doc)


def _read_records(col: Collector, fmt: str, records: list[Record], coco_images: str | Path | None) -> None:
    if fmt == "coco":
        coco.read_results(col, records, coco_images)
    else:
        {"json": native.read_records, "gdino": gdino.read_records}[fmt](col, records)


def _final_warnings(col: Collector, class_names: Any, coco_images: Any) -> None:
    fmt = col.file.format
    if class_names is not None and fmt != "yolo":
        col.warn(f"{col.file.path}: class names are for YOLO labels; ignored for {fmt} prompts")
    if coco_images is not None and fmt != "coco":
        col.warn(f"{col.file.path}: coco_images is for COCO results; ignored for {fmt} prompts")
    if not any(col.file.images.values()):
        filtered = f" ({col.filtered} below min_score {col.min_score:g})" if col.filtered else ""
        col.warn(f"{col.file.path}: no usable prompts{filtered}")
