"""COCO outputs: a dataset JSON (`coco`), a results list (`coco-results`) and
JSON Lines (`jsonl`, one line per image, streamed as images finish)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from samcli.engine.records import Annotation, ImageResult
from samcli.writers.atomic import open_output

FORMATS = ("coco", "coco-results", "jsonl")


def annotation_json(ann: Annotation, image_id: int, ann_id: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if ann_id is None else {"id": ann_id}
    return {**out, "image_id": image_id, **ann.to_json()}


def image_json(result: ImageResult, image_id: int, with_stats: bool = False) -> dict[str, Any]:
    out = {"id": image_id, "file_name": result.key, "width": result.width, "height": result.height}
    if with_stats and result.stats:
        out["stats"] = result.stats
    return out


def categories_json(used: set[int], names: dict[int, str]) -> list[dict[str, Any]]:
    ids = sorted(set(names) | used)
    return [{"id": i, "name": names.get(i, "object" if i == 1 else f"category_{i}")} for i in ids]


class ResultWriter:
    """Collects ImageResults and writes them; use as a context manager.

    Image ids are 1, 2, … in input order (failed images use up an id too, so
    ids are stable between runs; only decoded images are listed). `jsonl` lines
    are written as images finish; `coco`/`coco-results` are written on exit —
    also when the run is interrupted, so finished work is never lost.
    """

    def __init__(self, target: str, fmt: str, categories: dict[int, str] | None = None,
                 info: dict[str, Any] | None = None, with_stats: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.target, self.fmt = str(target), fmt
        self.names = dict(categories or {})
        self.info = info or {}
        self.with_stats = with_stats  # per-image counters and timings in the output
        self.images: list[dict] = []
        self.annotations: list[dict] = []
        self.used: set[int] = set()
        self.next_image_id = 1
        self._stream: IO[str] | None = None
        if fmt == "jsonl":  # streamed: open now, a line per image as it finishes
            if self.target == "-":
                self._stream = sys.stdout
            else:
                Path(self.target).parent.mkdir(parents=True, exist_ok=True)
                self._stream = open(self.target, "w", encoding="utf-8")

    def __enter__(self) -> "ResultWriter":
        return self

    needs_images = False

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.fmt == "jsonl":
            if self._stream is not None and self._stream is not sys.stdout:
                self._stream.close()
            self._stream = None
            return
        doc: Any = self.annotations
        if self.fmt == "coco":
            doc = {"info": self.info, "images": self.images, "annotations": self.annotations,
                   "categories": categories_json(self.used, self.names)}
        with open_output(self.target) as f:
            json.dump(doc, f)
            if self.target == "-":
                f.write("\n")

    def add(self, result: ImageResult) -> None:
        image_id = self.next_image_id
        self.next_image_id += 1
        if self._stream is not None:
            self._stream.write(json.dumps(self._jsonl_record(result, image_id)) + "\n")
            self._stream.flush()
            return
        if not result.ok:
            return
        self.images.append(image_json(result, image_id, self.with_stats))
        for ann in result.annotations:
            self.used.add(ann.category_id)
            ann_id = len(self.annotations) + 1 if self.fmt == "coco" else None
            self.annotations.append(annotation_json(ann, image_id, ann_id))

    def _jsonl_record(self, result: ImageResult, image_id: int) -> dict[str, Any]:
        rec: dict[str, Any] = {"image_id": image_id, "file": result.key}
        if result.ok:
            rec.update(width=result.width, height=result.height,
                       annotations=[annotation_json(a, image_id) for a in result.annotations])
        else:
            rec["error"] = result.error
        for key in ("prompt_errors", "warnings"):
            if getattr(result, key):
                rec[key] = getattr(result, key)
        if self.with_stats and result.stats:
            rec["stats"] = result.stats
        return rec
