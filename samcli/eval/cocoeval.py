"""COCO mask AP of detection results: pycocotools' COCOeval(iouType="segm").

The ground truth given to COCOeval is the file's own, restricted to the images
evaluated (a `--max-images` run is not charged for images it never saw): every
usable annotation, crowds (COCOeval's ignore regions) and empty masks included,
with the masks already decoded by `ground_truth`. COCOeval's defaults stand:
IoU thresholds .50:.05:.95, at most 100 detections per image, its area ranges.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from samcli.errors import SamcliError
from samcli.eval.ground_truth import GroundTruth, GtImage

#: COCOeval.stats[0:6], in its order
AP_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl")


def coco_ap(gt: GroundTruth, images: Sequence[GtImage], results: list[dict]) -> dict[str, float | None]:
    """→ {"AP", "AP50", "AP75", "APs", "APm", "APl"} as fractions; None where COCOeval
    has nothing to score (-1: no ground truth of that size among `images`)."""
    check_not_federated(gt)
    ids = {image.image_id for image in images}
    strays = {r["image_id"] for r in results} - ids
    if strays:
        raise SamcliError(f"results for images that are not evaluated: {sorted(strays, key=str)[:10]}")
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress and the table
        truth = _coco(gt, images)
        found = truth.loadRes(results) if results else _coco(gt, images, annotations=False)
        ev = COCOeval(truth, found, iouType="segm")
        ev.params.imgIds = sorted(ids, key=str)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {name: None if value < 0 else float(value) for name, value in zip(AP_NAMES, ev.stats)}


def check_not_federated(gt: GroundTruth) -> None:
    """COCO AP is refused on LVIS ground truth (the CLI asks before any work)."""
    if gt.federated:
        raise SamcliError(f"{gt.path}: an LVIS file; LVIS AP is federated (lvis-api's LVISEval: 300 detections per "
                          "image, APr/APc/APf), and COCOeval would count detections of categories an image was "
                          "never checked for as false positives. Box and point mIoU work on LVIS.")


def _coco(gt: GroundTruth, images: Sequence[GtImage], annotations: bool = True) -> COCO:
    used = {inst.category_id for image in images for inst in image.instances + image.ignored}
    categories = gt.categories or {cid: str(cid) for cid in sorted(used)}
    coco = COCO()
    coco.dataset = {
        "images": [{"id": im.image_id, "file_name": im.key, "height": im.height, "width": im.width} for im in images],
        "categories": [{"id": cid, "name": name} for cid, name in categories.items()],
        "annotations": [] if not annotations else [
            {"id": inst.ann_id, "image_id": im.image_id, "category_id": inst.category_id, "iscrowd": int(inst.iscrowd),
             "area": inst.area, "segmentation": inst.rle}
            for im in images for inst in im.instances + im.ignored],
    }
    coco.createIndex()
    return coco
