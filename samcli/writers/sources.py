"""Where the output formats read finished images from: a run's journal, or
(for `samcli convert`) a `coco` file samcli wrote. Both give the same
records — the journal's JSON form of an image — in image-id order, so one
function per format turns either into the same bytes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

from samcli.errors import InputError
from samcli.writers.journal import Journal


class ImageSource(Protocol):
    def images(self, ok_only: bool) -> Iterator[tuple[int, dict]]:
        """(image id, record) in id order; failed images too unless `ok_only`."""

    def used_categories(self) -> set[int]:
        """The category ids the finished images' annotations use."""


def categories_json(used: Iterable[int], names: dict[int, str]) -> list[dict[str, Any]]:
    """The output's categories: every named one and every used one, by id."""
    ids = sorted(set(names) | set(used))
    return [{"id": i, "name": names.get(i, "object" if i == 1 else f"category_{i}")} for i in ids]


class JournalImages:
    """The last record of each image in a run's journal."""

    def __init__(self, journal: Journal, image_ids: dict[str, int]) -> None:
        self.journal, self.image_ids = journal, image_ids

    def images(self, ok_only: bool) -> Iterator[tuple[int, dict]]:
        keys = sorted((k for k in self.journal.entries if k in self.image_ids), key=self.image_ids.__getitem__)
        if ok_only:  # failed images use up an id but are not listed
            keys = [k for k in keys if self.journal.entries[k].ok]
        for rec in self.journal.records(keys):
            yield self.image_ids[rec["file"]], rec

    def used_categories(self) -> set[int]:
        return {a["category_id"] for _, rec in self.images(ok_only=True) for a in rec["annotations"]}


class CocoImages:
    """The images of a samcli `coco` output (or a merged one), read whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        except ValueError as exc:
            raise InputError(f"{path}: not JSON ({exc})") from None
        if not (isinstance(doc, dict) and isinstance(doc.get("images"), list)
                and isinstance(doc.get("annotations"), list) and isinstance(doc.get("categories"), list)):
            raise InputError(f"{path}: not a COCO dataset (images, annotations, categories); "
                             "convert reads samcli's `coco` output")
        self.info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        self.names = {c["id"]: c["name"] for c in self._checked(doc["categories"], "categories", {"id", "name"})}
        self._images = sorted(self._checked(doc["images"], "images", {"id", "file_name", "width", "height"}),
                              key=lambda img: img["id"])
        self._annotations: dict[int, list[dict]] = {}
        for n, img in enumerate(self._images):
            if img["id"] in self._annotations:
                raise InputError(f"{path}: images: id {img['id']!r} appears twice")
            self._annotations[img["id"]] = []
        for n, ann in enumerate(self._checked(doc["annotations"], "annotations", {"image_id", "segmentation"})):
            if ann["image_id"] not in self._annotations:
                raise InputError(f"{path}: annotations[{n}]: image_id {ann['image_id']!r} is not among the images")
            if not (isinstance(ann["segmentation"], dict) and isinstance(ann["segmentation"].get("counts"), str)):
                raise InputError(f"{path}: annotations[{n}]: segmentation is not a compressed RLE; convert reads "
                                 "samcli's own `coco` output, written without --polygons")
            self._annotations[ann["image_id"]].append({k: v for k, v in ann.items() if k not in ("id", "image_id")})

    def _checked(self, items: list, name: str, keys: set[str]) -> list[dict]:
        for n, item in enumerate(items):
            if not isinstance(item, dict) or not keys <= set(item):
                raise InputError(f"{self.path}: {name}[{n}]: expected an object with {', '.join(sorted(keys))}")
        return items

    def images(self, ok_only: bool = True) -> Iterator[tuple[int, dict]]:
        for img in self._images:  # a coco file lists finished images only
            rec = {"file": img["file_name"], "width": img["width"], "height": img["height"],
                   "annotations": self._annotations[img["id"]]}
            if "stats" in img:
                rec["stats"] = img["stats"]
            yield img["id"], rec

    def used_categories(self) -> set[int]:
        return {a["category_id"] for anns in self._annotations.values() for a in anns}
