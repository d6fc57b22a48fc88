"""`everything` over many images: the shared pipeline encodes images in
batches, then each image's masks are generated against its embedding."""
from __future__ import annotations

import torch

from samcli.engine.device import autocast
from samcli.engine.everything.params import EverythingParams
from samcli.engine.pipeline import ImagePipeline, Loaded
from samcli.models.base import PromptableModel


class EverythingRunner(ImagePipeline):
    needs_image = True  # crops and mask sizes come from the decoded image

    def __init__(self, model: PromptableModel, params: EverythingParams, device: str | torch.device = "auto",
                 precision: str = "auto", batch_size: int = 1, workers: int = 2, keep_images: bool = False) -> None:
        super().__init__(model, device, precision, batch_size, workers, keep_images)
        self.params = params

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        from samcli.engine.everything import generate

        for slot, item in enumerate(items):
            with autocast(self.device, self.dtype):
                out = generate(self.model, item.image, self.params, embedding=embeddings[slot],
                               file=item.result.file, path=item.result.path)
            item.result.annotations = out.annotations
            item.result.warnings += out.warnings
            out.stats.setdefault("time_s", {})["encode"] = item.result.stats.pop("encode_s", None)
            item.result.stats.update(out.stats)
