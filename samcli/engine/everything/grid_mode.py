"""SAM's automatic mask generator ("grid" mode), for any promptable model.

Per crop (the whole image, then `crop_n_layers` layers of overlapping crops):
embed the crop with the model's own preprocessing (the whole-image crop reuses
the image embedding), decode a regular point grid, filter (see
`point_decoder`), and NMS the crop's masks by predicted IoU. Across crops, NMS
again preferring masks from smaller crops.
"""
from __future__ import annotations

import numpy as np
import torch

from samcli.engine.everything.embed import embed_image
from samcli.engine.everything.grids import crop_boxes, layer_point_grids, scale_grid
from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import CropFrame, decode_points
from samcli.engine.everything.stats import Stats, new_counts
from samcli.engine.everything.trace import Trace
from samcli.ops.boxes import box_area, nms


def generate_grid(model, image: np.ndarray, embedding: torch.Tensor, params: EverythingParams,
                  stats: Stats, trace: Trace | None = None) -> tuple[MaskSet, dict]:
    """→ masks (ordered as the reference outputs them) and counters."""
    image_hw = image.shape[:2]
    grids = layer_point_grids(params.points_per_side, params.crop_n_layers, params.crop_n_points_downscale_factor)
    crops = crop_boxes(image_hw, params.crop_n_layers, params.crop_overlap_ratio)
    counts = new_counts()
    per_crop = []
    for box, layer in crops:
        crop = CropFrame(box, image_hw)
        crop_embedding = embedding
        if not crop.is_full:
            x0, y0, x1, y1 = box
            with stats.timed("encode"):
                crop_embedding = embed_image(model, image[y0:y1, x0:x1])
        masks = decode_points(model, crop_embedding, crop, scale_grid(grids[layer], crop.hw), params,
                              counts, stats, trace=trace)
        with stats.timed("postprocess"):
            masks = masks.take(nms(masks.boxes, masks.iou, params.box_nms_thresh))
        counts["box_nms"] += len(masks)
        per_crop.append(masks)

    masks = MaskSet.cat(per_crop)
    if len(crops) > 1:
        with stats.timed("postprocess"):
            prefer_small_crops = 1 / box_area(masks.crop_boxes)
            masks = masks.take(nms(masks.boxes, prefer_small_crops, params.crop_nms_thresh))
        counts["crop_nms"] = len(masks)
    return masks, {"mode": "grid", "crops": len(crops), "prompts": counts.pop("prompts", 0), "masks": dict(counts)}
