"""Kept masks → `Annotation`s in the engine's shared output format."""
from __future__ import annotations

from samcli.engine.everything.maskset import MaskSet
from samcli.engine.records import Annotation
from samcli.ops import rle
from samcli.ops.boxes import xyxy_to_xywh


def to_annotations(masks: MaskSet) -> list[Annotation]:
    """`bbox` is COCO's (pycocotools `toBbox`: w, h are pixel extents). The
    references write [x0, y0, x1 − x0, y1 − y0] from inclusive x1/y1, one less
    in w and h; `extra` keeps their other fields (crop_box as xywh)."""
    areas = rle.area(masks.rles)
    boxes = rle.bbox(masks.rles)
    out = []
    for i, code in enumerate(masks.rles):
        iou = float(masks.iou[i])
        extra = {
            "predicted_iou": iou,
            "stability_score": float(masks.stability[i]),
            "point_coords": [masks.points[i].tolist()],
            "crop_box": xyxy_to_xywh(masks.crop_boxes[i].tolist()),
        }
        if int(masks.rounds[i]):
            extra["round"] = int(masks.rounds[i])
        out.append(Annotation(rle=code, bbox=boxes[i], area=areas[i], score=iou, extra=extra))
    return out
