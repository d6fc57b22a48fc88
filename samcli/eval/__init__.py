"""`samcli eval`: how well a promptable model segments annotated objects.

Three protocols over COCO-format ground truth, as EfficientViT-SAM evaluates:
box (mIoU from ground-truth boxes), point (mIoU after simulated clicks) and
coco-ap (mask AP from a detector's boxes, by COCOeval). Each protocol works on
ONE image whose embedding the engine already computed (`EncodedImage`), so the
engine keeps encoding every image once, in batches.

    gt = read_ground_truth("instances_val2017.json")
    match = match_images(gt, image_keys)          # IMAGES ↔ file_name, with messages
    for key, gt_image in match.matched.items():   # the engine encodes `key` …
        image = EncodedImage(model, embeddings, model.geometry(hw), slot)
        results += box_results(image, gt_image)   # or point_results / detection_results
    miou_table(results); click_table(results, (1, 3, 5)); coco_ap(gt, images, detections)
"""
from __future__ import annotations

import importlib

# loaded on first use (PEP 562): `samcli --help` imports the eval command, not torch
_EXPORTS = {
    "Click": "clicks", "first_click": "clicks", "next_click": "clicks",
    "AP_NAMES": "cocoeval", "coco_ap": "cocoeval",
    "EncodedImage": "decoding",
    "GroundTruth": "ground_truth", "GtImage": "ground_truth", "GtInstance": "ground_truth",
    "read_ground_truth": "ground_truth",
    "ImageMatch": "image_match", "match_images": "image_match",
    "SIZE_RANGES": "metrics", "InstanceResult": "metrics", "click_table": "metrics", "miou_table": "metrics",
    "size_buckets": "metrics",
    "box_results": "protocol_box", "detection_results": "protocol_coco_ap",
    "DEFAULT_CLICKS": "protocol_point", "point_results": "protocol_point",
}

__all__ = [*_EXPORTS, "mask_iou"]


def __getattr__(name: str):
    if name == "mask_iou":
        from samcli.ops.rle import iou as value
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f"samcli.eval.{_EXPORTS[name]}"), name)
    else:
        raise AttributeError(f"module 'samcli.eval' has no attribute {name!r}")
    globals()[name] = value
    return value
