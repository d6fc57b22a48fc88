"""COCO instance ground truth → per image key, the instances to evaluate.

Rules, and where they come from:
- `iscrowd` annotations are never prompted: COCOeval treats them as regions
  where a detection is neither right nor wrong, not as objects. (EfficientViT-SAM's
  box/point scripts do prompt them.)
- An instance whose mask is empty, or whose `area` is below 1 (EfficientViT-SAM's
  skip rule), cannot be scored by IoU: reported and skipped. Both kinds stay in
  `ignored`, because COCOeval scores AP against every annotation of the file.
- The size bucket uses the annotation's `area` field, as COCOeval and
  EfficientViT-SAM do (for polygons it differs slightly from the mask's pixel
  count); without the field, the mask's pixel count.
- The box prompt is the annotation's `bbox` [x, y, w, h] → [x, y, x + w, y + h],
  unclipped, as in EfficientViT-SAM; without it, the mask's extent.

A file that cannot be used at all raises InputError; a bad annotation or image
entry is an error naming the file and the annotation id (or list position), and
the rest is read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from samcli.errors import InputError
from samcli.eval.segmentation import to_rle
from samcli.io.prompts.checks import PromptError, box_from_xywh, image_key, integer, number, numbers, show
from samcli.io.prompts.collect import read_categories
from samcli.io.prompts.reading import read_json
from samcli.ops import rle as rles

#: COCO ids are integers; some exporters write text (a file stem)
CocoId = int | str


@dataclass(frozen=True)
class GtInstance:
    ann_id: CocoId
    category_id: int
    rle: dict  # compressed, {"size": [H, W], "counts": str}
    box: np.ndarray  # (4,) float64 x0, y0, x1, y1, pixels
    area: float  # what size buckets use (see module doc)
    iscrowd: bool = False

    def mask(self) -> np.ndarray:
        """(H, W) bool."""
        return rles.decode(self.rle)


@dataclass
class GtImage:
    image_id: CocoId
    key: str  # path relative to the IMAGES folder, forward slashes
    height: int
    width: int
    #: what box/point prompts and mIoU use: neither crowd nor empty
    instances: list[GtInstance] = field(default_factory=list)
    #: crowd and empty annotations: never prompted, still given to COCOeval
    ignored: list[GtInstance] = field(default_factory=list)


@dataclass
class GroundTruth:
    path: str
    images: dict[str, GtImage] = field(default_factory=dict)  # by key
    categories: dict[int, str] = field(default_factory=dict)
    #: annotations that are fine but cannot be scored (empty masks)
    warnings: list[str] = field(default_factory=list)
    #: entries that could not be used, each naming file and item; the rest is read
    errors: list[str] = field(default_factory=list)
    #: an LVIS file (images list their unverified categories): its AP is not COCOeval's
    federated: bool = False


def read_ground_truth(path: str | Path) -> GroundTruth:
    path = Path(path)
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list) \
            or not isinstance(doc.get("annotations"), list):
        raise InputError(f'{path}: not a COCO ground-truth file: expected {{"images": [...], "annotations": [...], '
                         '"categories": [...]}')
    gt = GroundTruth(path=str(path))
    if "categories" in doc:
        gt.categories = read_categories(doc["categories"], f"{path}: categories")
    by_id = _read_images(gt, path, doc["images"])
    seen: set[CocoId] = set()
    for i, ann in enumerate(doc["annotations"]):
        where = f"{path}: annotation " + (show(ann["id"]) if isinstance(ann, dict) and "id" in ann else f"[{i}]")
        try:
            _add_annotation(gt, by_id, seen, ann, where)
        except PromptError as e:
            gt.errors.append(f"{where}: {e}")
    return gt


def _read_images(gt: GroundTruth, path: Path, images: list) -> dict[CocoId, GtImage]:
    by_id: dict[CocoId, GtImage] = {}
    for i, entry in enumerate(images):
        where = f"{path}: images[{i}]"
        try:
            image = _image(entry)
            if image.image_id in by_id:
                raise PromptError(f"image id {show(image.image_id)} appears twice")
            if image.key in gt.images:
                raise PromptError(f"file {image.key!r} appears twice")
        except PromptError as e:
            gt.errors.append(f"{where}: {e}")
            continue
        by_id[image.image_id] = gt.images[image.key] = image
        gt.federated |= "not_exhaustive_category_ids" in entry
    return by_id


def _image(entry: Any) -> GtImage:
    if not isinstance(entry, dict) or "id" not in entry:
        raise PromptError(f'expected {{"id", "file_name", "height", "width"}}, got {show(entry)}')
    if "file_name" in entry:
        key = image_key(entry["file_name"], "file_name")
    elif isinstance(entry.get("coco_url"), str):
        # LVIS names no file: its images are <split>/<name> of COCO's, as in its coco_url
        key = image_key("/".join(entry["coco_url"].split("/")[-2:]), "coco_url")
    else:
        raise PromptError('missing "file_name"')
    height, width = (integer(entry.get(k), k) for k in ("height", "width"))
    if not height or not width:
        raise PromptError(f"height and width must be positive, got {height}×{width}")
    return GtImage(image_id=_id(entry["id"], "id"), key=key, height=height, width=width)


def _add_annotation(gt: GroundTruth, by_id: dict[CocoId, GtImage], seen: set[CocoId], ann: Any,
                    where: str) -> None:
    if not isinstance(ann, dict):
        raise PromptError(f"expected an annotation object, got {show(ann)}")
    if "id" not in ann:
        raise PromptError('missing "id"')
    ann_id = _id(ann["id"], "id")
    if ann_id in seen:  # COCOeval indexes annotations by id: a repeated one would replace the first
        raise PromptError(f"annotation id {show(ann_id)} appears twice")
    image_id = _id(ann.get("image_id"), "image_id")
    image = by_id.get(image_id)
    if image is None:
        raise PromptError(f"image_id {show(image_id)} is not among the file's images")
    category_id = integer(ann.get("category_id"), "category_id")
    if gt.categories and category_id not in gt.categories:
        raise PromptError(f"category_id {category_id} is not one of the file's categories")
    iscrowd = ann.get("iscrowd", 0)
    if iscrowd not in (0, 1):
        raise PromptError(f"iscrowd must be 0 or 1, got {show(iscrowd)}")
    if "segmentation" not in ann:
        raise PromptError('missing "segmentation" (polygons or RLE)')
    rle = to_rle(ann["segmentation"], image.height, image.width)
    (pixels,) = rles.area([rle])
    area = float(pixels) if ann.get("area") is None else number(ann["area"], "area")
    if not np.isfinite(area) or area < 0:
        raise PromptError(f"area must be a non-negative number, got {show(ann['area'])}")
    scored = not iscrowd and pixels > 0 and area >= 1
    # only a prompted instance needs a usable box; a crowd's or an empty mask's is never read
    if scored and "bbox" in ann:
        box = box_from_xywh(numbers(ann["bbox"], "bbox", 4, "[x, y, width, height]"))
    else:
        x, y, w, h = rles.bbox([rle])[0]
        box = np.array([x, y, x + w, y + h], dtype=np.float64)
    instance = GtInstance(ann_id, category_id, rle, box, area, bool(iscrowd))
    seen.add(ann_id)
    (image.instances if scored else image.ignored).append(instance)
    if not iscrowd and not scored:
        problem = "empty mask" if pixels == 0 else f"area {area:g} is below 1"
        gt.warnings.append(f"{where} (image {image.key!r}): {problem}; not evaluated")


def _id(value: Any, what: str) -> CocoId:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return integer(value, what)

