"""The results file: a COCO dataset (`coco`), a results list (`coco-results`)
or JSON Lines (`jsonl`, one line per image); the formats for labeling and
training tools (`writers.formats`) are written through the same door.

Finished images go to the run's journal as they come (`writers.journal`); the
file is written from it at the end, atomically and streamed — one image's
record in memory at a time — in image-id order, so a resumed run, a run in
shards merged afterwards, and an uninterrupted run write the same bytes.
JSON Lines to stdout is the exception: each line is printed as soon as its
image is done, for shell pipelines.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samcli.engine.records import ImageResult
from samcli.writers.atomic import open_output
from samcli.writers.export import ExportOptions
from samcli.writers.formats import FORMATS, WRITERS, needs_path, writer
from samcli.writers.journal import Journal
from samcli.writers.jsonlist import json_list as _json_list
from samcli.writers.outputs import Writer
from samcli.writers.sources import ImageSource, JournalImages, categories_json

NO_EXPORT = ExportOptions()


def image_json(rec: dict, image_id: int, with_stats: bool) -> dict[str, Any]:
    out = {"id": image_id, "file_name": rec["file"], "width": rec["width"], "height": rec["height"]}
    if with_stats and rec.get("stats"):
        out["stats"] = rec["stats"]
    return out


def jsonl_json(rec: dict, image_id: int, with_stats: bool, export: ExportOptions = NO_EXPORT) -> dict[str, Any]:
    out: dict[str, Any] = {"image_id": image_id, "file": rec["file"]}
    if "error" in rec:
        out["error"] = rec["error"]
    else:
        out.update(width=rec["width"], height=rec["height"],
                   annotations=[{"image_id": image_id, **export.coco_annotation(a)} for a in rec["annotations"]])
    for key in ("prompt_errors", "warnings"):
        if rec.get(key):
            out[key] = rec[key]
    if with_stats and rec.get("stats"):
        out["stats"] = rec["stats"]
    return out


def write_results(journal: Journal, target: str, fmt: str, image_ids: dict[str, int], names: dict[int, str],
                  info: dict, with_stats: bool, export: ExportOptions = NO_EXPORT) -> None:
    """Every image of the journal (its last record), in image-id order → `target`."""
    render(JournalImages(journal, image_ids), target, fmt, names, info, with_stats, export)


def render(source: ImageSource, target: str, fmt: str, names: dict[int, str], info: dict, with_stats: bool,
           export: ExportOptions = NO_EXPORT) -> None:
    """Image records → the output in `fmt`: the one function a run and `samcli convert` share."""
    if fmt in WRITERS:
        writer(fmt)(source, target, names, info, export)
        return
    with open_output(target) as f:
        if fmt == "jsonl":
            for image_id, rec in source.images(ok_only=False):
                f.write(json.dumps(jsonl_json(rec, image_id, with_stats, export)) + "\n")
            return
        used: set[int] = set()

        def annotations():
            ann_id = 0
            for image_id, rec in source.images(ok_only=True):
                for ann in rec["annotations"]:
                    used.add(ann["category_id"])
                    ann_id += 1
                    head = {"id": ann_id} if fmt == "coco" else {}
                    yield {**head, "image_id": image_id, **export.coco_annotation(ann)}

        if fmt == "coco-results":
            _json_list(f, annotations())
        else:
            f.write('{"info": ' + json.dumps(info) + ', "images": ')
            _json_list(f, (image_json(rec, image_id, with_stats) for image_id, rec in source.images(ok_only=True)))
            f.write(', "annotations": ')
            _json_list(f, annotations())
            f.write(', "categories": ' + json.dumps(categories_json(used, names)) + "}")
        if target == "-":
            f.write("\n")


class ResultWriter(Writer):
    """Journals each ImageResult and writes the results file on `close`.

    `target` None writes no results file (the pictures are the product, e.g.
    `salient` without --out): the journal still decides which images are done.
    `image_ids` maps every image key to its id (the CLI numbers all listed
    images by key, see `io.shards.image_ids`); without it ids follow arrival
    order. Without a `journal` a private temporary one is used and removed.
    `close(complete=False)` (interrupted) still writes what is done but keeps
    the journal for `--resume`, as `close()` does when an image failed; `abandon()` (a fault stopped the run) writes
    nothing and keeps the journal.
    """

    keeps_records = True

    def __init__(self, target: str | Path | None, fmt: str, categories: dict[int, str] | None = None,
                 info: dict[str, Any] | None = None, with_stats: bool = False, *,
                 image_ids: dict[str, int] | None = None, journal: Journal | None = None, sync_every: int = 1,
                 keep_journal: bool = False, sidecar: dict | None = None,
                 export: ExportOptions = NO_EXPORT) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        if needs_path(fmt) and str(target) == "-":
            raise ValueError(f"the {fmt} format writes files: give a path, not '-'")
        self.target, self.fmt, self.export = None if target is None else str(target), fmt, export
        self.names = dict(categories or {})
        self.info = info or {}
        self.with_stats = with_stats  # per-image counters and timings in the output
        self.image_ids = dict(image_ids) if image_ids is not None else None
        self.keep_journal, self.sidecar = keep_journal, sidecar
        self._closed = False
        self._stream = sys.stdout if (self.target == "-" and fmt == "jsonl") else None
        self._private = journal is None and self._stream is None
        if self._private:
            folder = None if self.target in (None, "-") else Path(self.target).parent
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            journal = Journal.private(folder)
        self.journal = journal
        if journal is not None:
            journal.sync_every = max(1, sync_every)

    def _image_id(self, key: str) -> int:
        if self.image_ids is None:
            self.image_ids = {}
        if key not in self.image_ids:
            self.image_ids[key] = len(self.image_ids) + 1
        return self.image_ids[key]

    def add(self, result: ImageResult) -> None:
        rec = result.to_json()
        image_id = self._image_id(result.key)
        if self._stream is not None:
            self._stream.write(json.dumps(jsonl_json(rec, image_id, self.with_stats, self.export)) + "\n")
            self._stream.flush()
        if self.journal is not None:
            self.journal.append(rec)

    def close(self, complete: bool = True) -> None:
        if self._closed or self.journal is None:
            return
        try:
            self._write_output(complete)
        except BaseException:
            if self._private:  # nothing resumes it: it goes whatever happened (e.g. stdout closed while writing)
                self._closed = True
                self.journal.remove()
            raise  # a named journal is left to `abandon`
        self._closed = True
        # failed images stay in the journal: --resume then does only them again
        failed = any(not entry.ok for entry in self.journal.entries.values())
        if self._private or (complete and not self.keep_journal and not failed):
            self.journal.remove()
        else:
            self.journal.close()

    def abandon(self) -> None:
        """No results file (it would look complete); the journal stays for --resume, except
        a private one, which nothing could resume."""
        if self._closed or self.journal is None:
            return
        self._closed = True
        if self._private:
            self.journal.remove()
        else:
            self.journal.close()

    def _write_output(self, complete: bool) -> None:
        self.journal.sync()
        if self._stream is None and self.target is not None:
            write_results(self.journal, self.target, self.fmt, self.image_ids or {}, self.names, self.info,
                          self.with_stats, self.export)
            if self.sidecar is not None and complete:
                with open_output(f"{self.target}.shard.json") as f:
                    json.dump(self.sidecar, f, indent=1)

    def __enter__(self) -> "ResultWriter":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.close(complete=exc_type is None)
        else:  # a fault: as `drive` does
            self.abandon()
