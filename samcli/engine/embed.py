"""`embed`: each image through the model's encoder once, its embedding handed
to the writers (`writers.embeddings`: DIR/<image>.npy and the manifest) with
where it sits in the model's frames. Nothing is prompted or decoded."""
from __future__ import annotations

from dataclasses import replace

import torch

from samcli.engine.pipeline import ImagePipeline, Loaded, PipelineOptions
from samcli.models.base import PromptableModel


class EmbedRunner(ImagePipeline):
    def __init__(self, model: PromptableModel, pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, replace(pipeline or PipelineOptions(), keep_embeddings=True))

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        """The embeddings are on the results already (`keep_embeddings`)."""

