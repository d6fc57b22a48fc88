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
from samcli.eval.clicks import Click, first_click, next_click
from samcli.eval.cocoeval import AP_NAMES, coco_ap
from samcli.eval.decoding import EncodedImage
from samcli.eval.ground_truth import GroundTruth, GtImage, GtInstance, read_ground_truth
from samcli.eval.image_match import ImageMatch, match_images
from samcli.eval.metrics import SIZE_RANGES, InstanceResult, click_table, miou_table, size_buckets
from samcli.ops.rle import iou as mask_iou
from samcli.eval.protocol_box import box_results
from samcli.eval.protocol_coco_ap import detection_results
from samcli.eval.protocol_point import DEFAULT_CLICKS, point_results

__all__ = [
    "AP_NAMES", "DEFAULT_CLICKS", "SIZE_RANGES", "Click", "EncodedImage", "GroundTruth", "GtImage", "GtInstance",
    "ImageMatch", "InstanceResult", "box_results", "click_table", "coco_ap", "detection_results", "first_click",
    "mask_iou", "match_images", "miou_table", "next_click", "point_results", "read_ground_truth", "size_buckets",
]
