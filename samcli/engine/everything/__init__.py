"""Automatic ("everything") mask generation for any promptable model.

    from samcli.engine.everything import EverythingParams, generate
    result = generate(model, rgb_uint8, EverythingParams(hierarchical=True))
    result.annotations  # COCO-RLE masks, best predicted IoU first
    result.stats        # prompts decoded, masks per filter stage, seconds per stage

Grid mode is SAM's `SamAutomaticMaskGenerator`; hierarchical mode is TinySAM's
`hierarchical_generate`. Both reproduce their reference's decisions (see the
parity tests) while holding only RLE masks, not full-resolution maps.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from samcli.engine.everything.embed import as_batch_of_one, embed_image, model_device
from samcli.engine.everything.grid_mode import generate_grid
from samcli.engine.everything.hierarchical import generate_hierarchical
from samcli.engine.everything.output import to_annotations
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.small_regions import clean_small_regions
from samcli.engine.everything.stats import Stats
from samcli.engine.everything.trace import Trace
from samcli.engine.records import ImageResult

__all__ = ["EverythingParams", "Trace", "generate"]


@torch.inference_mode()
def generate(model, image: np.ndarray, params: EverythingParams | None = None, embedding: torch.Tensor | None = None,
             trace: Trace | None = None, file: str = "", path: str = "") -> ImageResult:
    """Segment everything in one image.

    image: uint8 H×W×3 RGB. embedding: the model's embedding of this whole
    image ((C, h, w) or (1, C, h, w)) if the caller already encoded it, e.g.
    batched with other images; otherwise it is computed here. Crops (grid mode
    with crop_n_layers > 0) are always encoded here. `trace` collects debug
    arrays at extra cost.
    """
    params = params or EverythingParams()
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 H×W×3 RGB image, got {image.dtype} {image.shape}")
    started = time.perf_counter()
    stats = Stats(model_device(model))
    if embedding is None:
        with stats.timed("encode"):
            embedding = embed_image(model, image)
    embedding = as_batch_of_one(embedding)

    run = generate_hierarchical if params.hierarchical else generate_grid
    masks, counters = run(model, image, embedding, params, stats, trace)
    if params.min_mask_region_area > 0:
        with stats.timed("postprocess"):
            masks = clean_small_regions(masks, params.min_mask_region_area,
                                        max(params.box_nms_thresh, params.crop_nms_thresh))
        counters["masks"]["small_regions"] = len(masks)
    with stats.timed("postprocess"):
        annotations = to_annotations(masks)
    counters["masks"]["output"] = len(annotations)
    counters["time_s"] = {**stats.time_dict(), "total": round(time.perf_counter() - started, 4)}

    h, w = image.shape[:2]
    warnings = []
    if params.hierarchical and params.crop_n_layers:
        warnings.append("hierarchical mode ignores crop_n_layers (as TinySAM's generator does)")
    return ImageResult(file=file, path=path, width=w, height=h, annotations=annotations,
                       warnings=warnings, stats=counters)
