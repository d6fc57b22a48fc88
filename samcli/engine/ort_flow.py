"""The data path (`engine.flow`) on ONNX Runtime: numpy arrays end to end, no
torch. `engine.ort_segment` prompts these embeddings; `OrtEmbedder` keeps them
(`samcli embed` on ONNX Runtime)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from samcli.engine.choices import default_workers
from samcli.engine.flow import ImageFlow
from samcli.engine.jobs import Loaded, PipelineOptions
from samcli.onnx.lean import LeanOrtModel


class OrtFlow(ImageFlow):
    """The array hooks on numpy."""

    def __init__(self, model: LeanOrtModel, pipeline: PipelineOptions | None) -> None:
        super().__init__(model, pipeline, default_workers("cpu"))

    def _encode_batch(self, items: list[Loaded]) -> np.ndarray:
        return self.model.encode(np.stack([item.pixels for item in items]))

    def _join_rows(self, rows: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([row.astype(self.stored.tensor_dtype, copy=False) for row in rows])

    def _as_stored(self, rows: np.ndarray) -> np.ndarray:
        return rows.astype(np.float16).astype(rows.dtype)

    def _to_host(self, embeddings: np.ndarray) -> tuple[np.ndarray, str]:
        return embeddings.astype(np.float32, copy=False), str(embeddings.dtype)


class OrtEmbedder(OrtFlow):
    """`embed`: each image encoded once, its embedding on its result (`keep_embeddings`)."""

    def __init__(self, model: LeanOrtModel, pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, replace(pipeline or PipelineOptions(), keep_embeddings=True))

    def process(self, items: list[Loaded], embeddings: np.ndarray) -> None:
        """Nothing to do: the embeddings are on the results already."""
