"""COCO boxes as prompts: a dataset's ground truth, or a detector's results list.

Dataset: {"images": [{"id", "file_name"}], "annotations": [{"image_id", "bbox": [x, y, w, h],
"category_id"}], "categories": [{"id", "name"}]} → one box prompt per annotation, keyed by
file_name. Results: [{"image_id", "bbox", "score", "category_id"}] → box prompts with the
detection score; image_id → file_name through a COCO dataset (`coco_images`), or, without
one, the key "id:<image_id>", which `match_image` matches against image file stems
(000000397133.jpg ↔ id:397133).

A dataset (the prompt file itself, or `coco_images`) also gives the run its image ids
(`PromptFile.coco_ids`), so that the outputs score against that dataset.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from samcli.errors import InputError
from samcli.io.prompts.checks import PromptError, box_from_xywh, image_key, integer, numbers, score, show
from samcli.io.prompts.collect import Collector, read_categories
from samcli.io.prompts.reading import Record, list_records, read_json as read_json_file
from samcli.io.prompts.types import CocoImageIds, Prompt

ID_PREFIX = "id:"


def read_json(col: Collector, path: Path, doc: Any, coco_images: str | Path | None = None) -> None:
    if isinstance(doc, list):
        read_results(col, list_records(path, doc), coco_images)
    elif isinstance(doc, dict) and isinstance(doc.get("annotations"), list):
        read_dataset(col, path, doc)
    else:
        raise InputError(
            f'{path}: not a COCO file: expected a dataset {{"images": [...], "annotations": [...]}} '
            'or a results list [{"image_id", "bbox", "score", "category_id"}, ...]'
        )


def read_dataset(col: Collector, path: Path, doc: dict) -> None:
    files = _image_files(col, path, doc)
    for i, ann in enumerate(doc["annotations"]):
        where = f"{path}: annotations[{i}]"
        with col.item(where):
            if not isinstance(ann, dict):
                raise PromptError(f"expected an annotation object, got {show(ann)}")
            key = _file_of(ann, files, path)
            prompt = _box_prompt(col, ann, where, score(ann["score"], "score") if "score" in ann else None)
            if prompt is not None:
                col.image(key).append(prompt)


def read_results(col: Collector, records: list[Record], coco_images: str | Path | None) -> None:
    files = None
    if coco_images is not None:
        images_path = Path(coco_images)
        doc = read_json_file(images_path)
        if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
            raise InputError(f'{images_path}: not a COCO dataset: expected {{"images": [{{"id", "file_name"}}, ...]}}')
        files = _image_files(col, images_path, doc, listed=False)
    for where, det in records:
        with col.item(where):
            if not isinstance(det, dict):
                raise PromptError(f"expected a detection object, got {show(det)}")
            if "score" not in det:
                raise PromptError('missing "score" (COCO results carry one per detection)')
            key = _file_of(det, files, coco_images) if files is not None else _id_key(det)
            prompt = _box_prompt(col, det, where, score(det["score"], "score"))
            if prompt is not None:
                col.image(key).append(prompt)


def _image_files(col: Collector, path: Path, doc: dict, listed: bool = True) -> dict[Any, str]:
    """image id → key, and the dataset's categories. `listed`: every image of the dataset
    becomes known to the matcher, even one without annotations (ground truth only; a
    results file names only the images it has detections for)."""
    if "categories" in doc:
        col.declare(read_categories(doc["categories"], f"{path}: categories"))
    if not isinstance(doc.get("images"), list):
        raise InputError(f'{path}: "images" must be a list of {{"id", "file_name"}}')
    files: dict[Any, str] = {}
    ids: dict[str, Any] = {}  # file_name → its id: one image, one id
    for i, image in enumerate(doc["images"]):
        with col.item(f"{path}: images[{i}]"):
            if not isinstance(image, dict) or "id" not in image:
                raise PromptError(f'expected {{"id": ..., "file_name": ...}}, got {show(image)}')
            image_id = _image_id(image["id"], "id")
            key = image_key(image.get("file_name"), "file_name")
            if image_id in files:
                raise PromptError(f"image id {show(image_id)} appears twice")
            if key in ids:
                raise PromptError(f"file_name {show(key)} appears twice (ids {show(ids[key])} and {show(image_id)})")
            files[image_id], ids[key] = key, image_id
            if listed:
                col.image(key)
    _adopt_ids(col, path, ids)
    return files


def _adopt_ids(col: Collector, path: Path, ids: dict[str, Any]) -> None:
    """The outputs number images by the dataset's ids, so that results score against it.
    Ids given as text (some exporters use the file stem) cannot be output ids."""
    if all(isinstance(image_id, int) for image_id in ids.values()):
        col.file.coco_ids = CocoImageIds(dict(ids), max(ids.values(), default=0), str(path))
    else:
        col.warn(f"{path}: its image ids are not all integers, so the outputs number the images 1, 2, … "
                 "by path instead of by the dataset's ids")


def _file_of(item: dict, files: dict[Any, str], dataset: Any) -> str:
    image_id = _image_id(item.get("image_id"), "image_id")
    if image_id not in files:
        raise PromptError(f"image_id {show(image_id)} is not among the images of {dataset}")
    return files[image_id]


def _image_id(value: Any, what: str) -> int | str:
    # COCO ids are integers; some exporters use the file stem (a string) instead
    if isinstance(value, str) and value.strip():
        return value.strip()
    return integer(value, what)


def _id_key(det: dict) -> str:
    # matched to file stems later; Ultralytics writes the stem itself when it is not numeric
    return ID_PREFIX + str(_image_id(det.get("image_id"), "image_id"))


def _box_prompt(col: Collector, item: dict, where: str, s: float | None) -> Prompt | None:
    if "bbox" not in item:
        raise PromptError('missing "bbox" [x, y, width, height]')
    box = box_from_xywh(numbers(item["bbox"], "bbox", 4, "[x, y, width, height]"))
    if not col.keeps(s):
        return None
    if "category_id" not in item:
        raise PromptError('missing "category_id"')
    cid = col.category(integer(item["category_id"], "category_id"), None)
    return Prompt(box=box, category_id=cid, score=s, source=where)
