"""PyTorch models through the shared data path (`engine.flow`): the model moved
to its device in its precision, encoder batches as torch tensors, autocast,
page-locked host memory on CUDA, one wait per encoder call."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from samcli.engine.choices import default_workers
from samcli.engine.device import autocast, exact_fp32, pinned, resolve_device, resolve_precision, synchronize
from samcli.engine.flow import ImageFlow, preprocess_failed
from samcli.engine.jobs import Job, Loaded, PipelineOptions, read_image
from samcli.engine.timing import add_times
from samcli.models.base import PromptableModel
from samcli.ops.memory import keep_freed_heap, note_encoder_memory

__all__ = ["ImagePipeline", "Job", "Loaded", "PipelineOptions", "read_image", "model_device", "embed_image"]


class ImagePipeline(ImageFlow):
    """Subclasses implement `prepare` (loader threads) and `process` (main thread)."""

    def __init__(self, model: PromptableModel, pipeline: PipelineOptions | None = None) -> None:
        spec = getattr(model, "spec", None)  # set by load_model
        if spec is not None and spec.kind != "promptable":  # e.g. U²-Net: nothing to prompt
            from samcli.models.registry import spec_for

            spec_for(spec.id, "promptable", type(self).__name__)  # raises, naming the models that fit
        options = pipeline or PipelineOptions()
        self.device = resolve_device(options.device)
        self.dtype = resolve_precision(options.precision, self.device)
        exact_fp32(self.device, self.dtype)
        # a weightless (meta) copy only serves `load`, e.g. in Ray's CPU tasks
        on_meta = any(t.is_meta for t in (*model.parameters(), *model.buffers()))
        super().__init__(model if on_meta else model.to(self.device).eval(), options, default_workers(self.device.type))
        if self.device.type == "cpu" and not on_meta:
            keep_freed_heap()  # PyTorch's large CPU temporaries: see ops.memory
        if self.options.precision == "int8" and not on_meta:
            from samcli.models.quantize import quantize_int8

            quantize_int8(self.model)  # in place, the encoder's Linear and 1×1 conv layers
        if self.options.channels_last and not on_meta:  # the encoder's convolutions; the decoder's stay as they are
            getattr(self.model, "image_encoder", self.model).to(memory_format=torch.channels_last)
        self._encode = torch.compile(self.model.encode) if self.options.compile else self.model.encode

    @torch.inference_mode()
    def _run_model(self, items: list[Loaded]) -> None:
        super()._run_model(items)

    # ---- array hooks (engine.flow) ---------------------------------------
    def _encode_batch(self, items: list[Loaded]) -> torch.Tensor:
        with autocast(self.device, self.dtype):
            x = self.model.prepare_batch([it.pixels.to(self.device, non_blocking=True) for it in items])
            if self.options.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            embeddings = self._encode(x)
            if self.options.channels_last:
                embeddings = embeddings.contiguous()
        synchronize(self.device)  # the encoder's time, not the decoder's
        if self.device.type == "cpu":
            note_encoder_memory()  # its freed temporaries stay for the next batch: see ops.memory
        return embeddings

    def _join_rows(self, rows: list[Any]) -> torch.Tensor:
        """Encoded rows are on the device already; stored ones are numpy, cast to the encoder's dtype."""
        dtype = getattr(torch, self.stored.tensor_dtype)
        return torch.cat([row if isinstance(row, torch.Tensor)
                          else torch.from_numpy(row).to(dtype).to(self.device, non_blocking=True) for row in rows])

    def _as_stored(self, rows: torch.Tensor) -> torch.Tensor:
        return rows.to(torch.float16).to(rows.dtype)

    def _to_host(self, embeddings: torch.Tensor) -> tuple[np.ndarray, str]:
        return embeddings.float().cpu().numpy(), str(embeddings.dtype).removeprefix("torch.")

    def _load_here(self, job: Job) -> Loaded:
        """`load` for this process's model: on CUDA the pixels are page-locked in the
        loader thread, so the main thread's host→device copy does not wait."""
        loaded = self.load(job)
        if loaded.pixels is not None and self.device.type == "cuda":
            started = time.perf_counter()
            try:
                loaded.pixels = pinned(loaded.pixels)
            except Exception as exc:  # this image only
                preprocess_failed(loaded, exc)
            add_times(loaded.result.stats, {"preprocess": time.perf_counter() - started})
        return loaded


def model_device(model) -> torch.device:
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def embed_image(model: PromptableModel, image: np.ndarray) -> torch.Tensor:
    """One uint8 H×W×3 RGB image (or crop) through the model's own preprocessing
    and encoder, unbatched → (1, C, h, w) on the model's device."""
    x = model.preprocess(np.ascontiguousarray(image)).to(model_device(model))
    return model.encode(model.prepare_batch([x]))
