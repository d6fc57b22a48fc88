"""Segment everything in one image (`generate`), and over many images with
the shared batched pipeline (`EverythingRunner`): images are encoded in
batches, then each image's masks are generated against its embedding."""
from __future__ import annotations

import numpy as np
import torch

from samcli.engine.device import autocast
from samcli.engine.everything.grid import generate_grid
from samcli.engine.everything.hierarchical import generate_hierarchical
from samcli.engine.everything.maskset import clean_small_regions
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import Trace
from samcli.engine.pipeline import ImagePipeline, Loaded, PipelineOptions, embed_image, model_device
from samcli.engine.progress import PromptProgress
from samcli.engine.records import ImageResult
from samcli.engine.timing import StageTimes, add_times
from samcli.models.base import PromptableModel


@torch.inference_mode()
def generate(model, image: np.ndarray, params: EverythingParams | None = None, embedding: torch.Tensor | None = None,
             trace: Trace | None = None, key: str = "", path: str = "",
             progress: PromptProgress | None = None) -> ImageResult:
    """Segment everything in one image.

    image: uint8 H×W×3 RGB. embedding: the model's embedding of this whole
    image ((C, h, w) or (1, C, h, w)) if the caller already encoded it, e.g.
    batched with other images; otherwise it is computed here. Crops (grid mode
    with crop_n_layers > 0) are always encoded here. `trace` collects debug
    arrays at extra cost. `progress` hears of the prompts planned and decoded.
    """
    params = params or EverythingParams()
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a uint8 H×W×3 RGB image, got {image.dtype} {image.shape}")
    times = StageTimes(model_device(model))
    if embedding is None:
        with times.timed("encode"):
            embedding = embed_image(model, image)
    embedding = as_batch_of_one(embedding)

    run = generate_hierarchical if params.hierarchical else generate_grid
    masks, stats = run(model, image, embedding, params, times, trace, progress)
    if params.min_mask_region_area > 0:
        with times.timed("postprocess"):
            masks = clean_small_regions(masks, params.min_mask_region_area,
                                        max(params.box_nms_thresh, params.crop_nms_thresh))
        stats["masks"]["small_regions"] = len(masks)
    with times.timed("postprocess"):
        annotations = masks.annotations()
    stats["masks"]["output"] = len(annotations)
    add_times(stats, times.as_dict())

    h, w = image.shape[:2]
    return ImageResult(key=key, path=path, width=w, height=h, annotations=annotations, stats=stats)


def as_batch_of_one(embedding: torch.Tensor) -> torch.Tensor:
    """Accept (C, h, w) or (1, C, h, w)."""
    if embedding.dim() == 3:
        return embedding[None]
    if embedding.dim() != 4 or embedding.shape[0] != 1:
        raise ValueError(f"expected one image's embedding, (C,h,w) or (1,C,h,w); got {tuple(embedding.shape)}")
    return embedding


class EverythingRunner(ImagePipeline):
    needs_image = True  # crops and mask sizes come from the decoded image

    def __init__(self, model: PromptableModel, params: EverythingParams | None = None,
                 pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, pipeline)
        self.params = params or EverythingParams()

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        for slot, item in enumerate(items):
            with autocast(self.device, self.dtype):
                out = generate(self.model, item.image, self.params, embedding=embeddings[slot],
                               progress=PromptProgress(self.on_prompts))
            item.result.annotations = out.annotations
            item.result.warnings += out.warnings
            time_s = out.stats.pop("time_s")
            item.result.stats.update(out.stats)
            add_times(item.result.stats, time_s)
