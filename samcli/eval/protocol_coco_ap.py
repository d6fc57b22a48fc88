"""COCO-AP protocol, one image: detector boxes → masks → COCO results entries.

EfficientViT-SAM's `run_box_from_detector`: each detection's box, unclipped, is
a prompt (three candidates, best by predicted IoU); the detection keeps its
score and category. The entries carry no "bbox": given one, pycocotools'
loadRes would rebuild the segmentation from the box (detectron2 and
EfficientViT-SAM drop it for the same reason).
"""
from __future__ import annotations

import numpy as np

from samcli.errors import InputError
from samcli.eval.decoding import EncodedImage, chosen_rles
from samcli.eval.ground_truth import CocoId
from samcli.io.prompts.types import Prompt

#: EfficientViT-SAM's predict_mask_from_box, as for the box protocol
DETECTION_MULTIMASK = "always"


def detection_results(image: EncodedImage, image_id: CocoId, detections: list[Prompt],
                      multimask: str = DETECTION_MULTIMASK) -> list[dict]:
    """Box prompts in pixels with `score` and `category_id` (as `load_prompts` reads a
    COCO results file) → [{"image_id", "category_id", "score", "segmentation"}]."""
    for d in detections:
        if d.box is None or d.score is None or d.category_id is None:
            raise InputError(f"{d.source or 'a detection'}: a detection needs a box, a score and a category")
    if not detections:
        return []
    masks = chosen_rles(image, multimask, np.stack([d.box for d in detections]))
    return [{"image_id": image_id, "category_id": d.category_id, "score": d.score, "segmentation": mask}
            for d, mask in zip(detections, masks)]
