"""Box protocol: one prompt per ground-truth instance, its box; mask IoU against
its mask. EfficientViT-SAM's `run_box`: the annotation's bbox, unclipped; three
candidates and the best by predicted IoU (multimask "always")."""
from __future__ import annotations

import numpy as np

from samcli.eval.decoding import EncodedImage, check_size, chosen_rles
from samcli.eval.ground_truth import GtImage
from samcli.eval.metrics import InstanceResult
from samcli.ops.rle import iou as mask_iou

#: EfficientViT-SAM's predict_mask_from_box: multimask_output=True, argmax of the predicted IoU
BOX_MULTIMASK = "always"


def box_results(image: EncodedImage, gt: GtImage, multimask: str = BOX_MULTIMASK) -> list[InstanceResult]:
    """One image: every instance's IoU, its box prompts decoded `prompt_batch` at a time."""
    check_size(image, gt)
    if not gt.instances:
        return []
    preds = chosen_rles(image, multimask, np.stack([inst.box for inst in gt.instances]))
    return [InstanceResult(gt.key, inst.ann_id, inst.category_id, inst.area, (mask_iou(pred, inst.rle),))
            for inst, pred in zip(gt.instances, preds)]
