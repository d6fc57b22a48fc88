"""The results file: a COCO dataset (`coco`), a results list (`coco-results`)
or JSON Lines (`jsonl`, one line per image).

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
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable

from samcli.engine.records import ImageResult
from samcli.writers.atomic import open_output
from samcli.writers.journal import Journal
from samcli.writers.outputs import Writer

FORMATS = ("coco", "coco-results", "jsonl")


def categories_json(used: Iterable[int], names: dict[int, str]) -> list[dict[str, Any]]:
    ids = sorted(set(names) | set(used))
    return [{"id": i, "name": names.get(i, "object" if i == 1 else f"category_{i}")} for i in ids]


def image_json(rec: dict, image_id: int, with_stats: bool) -> dict[str, Any]:
    out = {"id": image_id, "file_name": rec["file"], "width": rec["width"], "height": rec["height"]}
    if with_stats and rec.get("stats"):
        out["stats"] = rec["stats"]
    return out


def jsonl_json(rec: dict, image_id: int, with_stats: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"image_id": image_id, "file": rec["file"]}
    if "error" in rec:
        out["error"] = rec["error"]
    else:
        out.update(width=rec["width"], height=rec["height"],
                   annotations=[{"image_id": image_id, **a} for a in rec["annotations"]])
    for key in ("prompt_errors", "warnings"):
        if rec.get(key):
            out[key] = rec[key]
    if with_stats and rec.get("stats"):
        out["stats"] = rec["stats"]
    return out


def _json_list(f: IO[str], items: Iterable[dict]) -> None:
    """`json.dump` of a list, one item at a time: the same bytes, flat memory."""
    f.write("[")
    for i, item in enumerate(items):
        f.write((", " if i else "") + json.dumps(item))
    f.write("]")


def write_results(journal: Journal, target: str, fmt: str, image_ids: dict[str, int], names: dict[int, str],
                  info: dict, with_stats: bool) -> None:
    """Every image of the journal (its last record), in image-id order → `target`."""
    keys = sorted((k for k in journal.entries if k in image_ids), key=image_ids.__getitem__)
    ok_keys = [k for k in keys if journal.entries[k].ok]  # failed images use up an id but are not listed
    with open_output(target) as f:
        if fmt == "jsonl":
            for rec in journal.records(keys):
                f.write(json.dumps(jsonl_json(rec, image_ids[rec["file"]], with_stats)) + "\n")
            return
        used: set[int] = set()

        def annotations():
            ann_id = 0
            for rec in journal.records(ok_keys):
                for ann in rec["annotations"]:
                    used.add(ann["category_id"])
                    ann_id += 1
                    head = {"id": ann_id} if fmt == "coco" else {}
                    yield {**head, "image_id": image_ids[rec["file"]], **ann}

        if fmt == "coco-results":
            _json_list(f, annotations())
        else:
            f.write('{"info": ' + json.dumps(info) + ', "images": ')
            _json_list(f, (image_json(rec, image_ids[rec["file"]], with_stats) for rec in journal.records(ok_keys)))
            f.write(', "annotations": ')
            _json_list(f, annotations())
            f.write(', "categories": ' + json.dumps(categories_json(used, names)) + "}")
        if target == "-":
            f.write("\n")


class ResultWriter(Writer):
    """Journals each ImageResult and writes the results file on `close`.

    `image_ids` maps every image key to its id (the CLI numbers all listed
    images by key, see `io.shards.image_ids`); without it ids follow arrival
    order. Without a `journal` a private temporary one is used and removed.
    `close(complete=False)` (interrupted) still writes what is done but keeps
    the journal for `--resume`, as `close()` does when an image failed; `abandon()` (a fault stopped the run) writes
    nothing and keeps the journal.
    """

    keeps_records = True

    def __init__(self, target: str | Path, fmt: str, categories: dict[int, str] | None = None,
                 info: dict[str, Any] | None = None, with_stats: bool = False, *,
                 image_ids: dict[str, int] | None = None, journal: Journal | None = None, sync_every: int = 1,
                 keep_journal: bool = False, sidecar: dict | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.target, self.fmt = str(target), fmt
        self.names = dict(categories or {})
        self.info = info or {}
        self.with_stats = with_stats  # per-image counters and timings in the output
        self.image_ids = dict(image_ids) if image_ids is not None else None
        self.keep_journal, self.sidecar = keep_journal, sidecar
        self._closed = False
        self._stream = sys.stdout if (self.target == "-" and fmt == "jsonl") else None
        self._private = journal is None and self._stream is None
        if self._private:
            folder = None if self.target == "-" else Path(self.target).parent
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            path = Path(tempfile.mkstemp(prefix=".samcli-", suffix=".journal.jsonl", dir=folder)[1])
            path.unlink()
            journal = Journal.open(path, {}, resume=False)
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
            self._stream.write(json.dumps(jsonl_json(rec, image_id, self.with_stats)) + "\n")
            self._stream.flush()
        if self.journal is not None:
            self.journal.append(rec)

    def close(self, complete: bool = True) -> None:
        if self._closed or self.journal is None:
            return
        self.journal.sync()
        if self._stream is None:
            write_results(self.journal, self.target, self.fmt, self.image_ids or {}, self.names, self.info,
                          self.with_stats)
            if self.sidecar is not None and complete:
                with open_output(f"{self.target}.shard.json") as f:
                    json.dump(self.sidecar, f, indent=1)
        self._closed = True  # only now: a failure above leaves the journal to `abandon`
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

    def __enter__(self) -> "ResultWriter":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.close(complete=exc_type is None)
        else:  # a fault: as `drive` does
            self.abandon()
