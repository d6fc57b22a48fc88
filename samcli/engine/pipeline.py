"""The shape every command's data path shares: decode and preprocess images
in threads, group them into encoder batches, encode each image ONCE, hand the
batch and its embeddings to the command's own work, stream results in input
order.

Two halves, so other executors (Ray) can run them apart: `load` (CPU, no
weights needed: decode, per-image preparation, resize) and `run_loaded`
(the model). `run` chains them locally with a thread pool.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

import numpy as np
import torch

from samcli.engine.device import (autocast, default_workers, exact_fp32, pinned, resolve_device, resolve_precision,
                                  synchronize)
from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.progress import PromptListener
from samcli.engine.records import ImageResult
from samcli.engine.timing import add_times
from samcli.engine.isolate import each_alone_on_failure
from samcli.errors import SamcliError, describe
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.types import Prompt
from samcli.models.base import Geometry, PromptableModel


@dataclass(frozen=True)
class PipelineOptions:
    """How images flow, whatever the command."""

    device: str = "auto"  # auto | cpu | cuda | cuda:N
    precision: str = "auto"  # auto (fp32 on CPU, bf16 on CUDA) | fp32 | fp16 | bf16 | int8 (CPU)
    batch_size: int = 1  # images per encoder call
    #: threads decoding and resizing the next images; None: 2 on CPU, the cores on CUDA
    workers: int | None = None
    #: attach each decoded image to its result (overlays, cutouts)
    keep_images: bool = False
    #: torch.compile the encoder (CUDA throughput; the first batch of each shape compiles)
    compile: bool = False
    #: channels-last memory format for the image encoder and its input (convolutions on CUDA)
    channels_last: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1 or (self.workers is not None and self.workers < 1):
            raise SamcliError("--batch-size and --workers must be at least 1")


@dataclass
class Job:
    """One image to process, with its prompts where the command takes any.

    Stages before the pipeline (e.g. saliency clicks) may hand over the decoded
    `image`, an `error` that already sank the image, and what they found for the
    result: `info` (into its stats), `warnings`, `maps`."""

    ref: ImageRef
    prompts: list[Prompt] = field(default_factory=list)
    image: np.ndarray | None = None
    error: str | None = None
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    maps: dict[str, np.ndarray] = field(default_factory=dict)


def read_image(job: Job) -> Job:
    """The job with its image decoded (unless it came decoded or failed); a file
    that cannot be decoded becomes the job's error, never an exception."""
    if job.image is not None or job.error is not None:
        return job
    started = time.perf_counter()
    try:
        image = decode_image(job.ref.path)
    except Exception as exc:  # never let one file stop the run
        return replace(job, error=describe(exc))
    info = dict(job.info)
    add_times(info, {"read": time.perf_counter() - started})
    return replace(job, image=image, info=info)


@dataclass
class Loaded:
    """A job after `load`: decoded, preprocessed for the encoder."""

    result: ImageResult
    image: np.ndarray | None = None
    pixels: torch.Tensor | None = None  # model.preprocess output; None: skip the model
    geom: Geometry | None = None
    work: Any = None  # the command's own per-image state


class ImagePipeline:
    """Subclasses implement `prepare` (loader threads) and `process` (main thread)."""

    #: whether `process` needs the decoded image (e.g. everything's crops)
    needs_image: bool = False
    #: told of the prompts planned and decoded in the images being processed (see engine.progress)
    on_prompts: PromptListener | None = None

    def __init__(self, model: PromptableModel, pipeline: PipelineOptions | None = None) -> None:
        spec = getattr(model, "spec", None)  # set by load_model
        if spec is not None and spec.kind != "promptable":  # e.g. U²-Net: nothing to prompt
            from samcli.models.registry import spec_for

            spec_for(spec.id, "promptable", type(self).__name__)  # raises, naming the models that fit
        self.options = pipeline or PipelineOptions()
        self.device = resolve_device(self.options.device)
        self.dtype = resolve_precision(self.options.precision, self.device)
        exact_fp32(self.device, self.dtype)
        self.workers = self.options.workers or default_workers(self.device)
        # a weightless (meta) copy only serves `load`, e.g. in Ray's CPU tasks
        on_meta = any(t.is_meta for t in (*model.parameters(), *model.buffers()))
        self.model = model if on_meta else model.to(self.device).eval()
        if self.options.precision == "int8" and not on_meta:
            from samcli.models.quantize import quantize_int8

            quantize_int8(self.model)  # in place, the encoder's Linear and 1×1 conv layers
        if self.options.channels_last and not on_meta:  # the encoder's convolutions; the decoder's stay as they are
            getattr(self.model, "image_encoder", self.model).to(memory_format=torch.channels_last)
        self._encode = torch.compile(self.model.encode) if self.options.compile else self.model.encode
        #: images that went through the encoder (resumed or prompt-less ones never do)
        self.encoded_images = 0

    # ---- hooks -----------------------------------------------------------
    def prepare(self, loaded: Loaded, job: Job) -> bool:
        """Per image, in a loader thread: set `loaded.work`; True if the model must run."""
        return True

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        """Per encoder batch, in the main thread: fill each item's result."""
        raise NotImplementedError

    # ---- driver ----------------------------------------------------------
    def run(self, jobs: Iterable[Job]) -> Iterator[ImageResult]:
        depth = 2 * self.options.batch_size + self.workers
        return self.run_loaded(prefetch_map(self._load_here, jobs, self.workers, depth=depth))

    def run_loaded(self, loaded: Iterable[Loaded]) -> Iterator[ImageResult]:
        """Any failure of the model's work (encode, decode, postprocess: out of memory,
        an image the model cannot take, a bug) fails only the image that causes it: a
        batch that fails is run again image by image."""
        for batch in batched(loaded, self.options.batch_size):
            work = [item for item in batch if item.result.ok and item.pixels is not None]
            if work:
                each_alone_on_failure(work, self._run_batch, _model_failed)
            for item in batch:
                item.pixels = None
                if self.options.keep_images:
                    item.result.image = item.image
                yield item.result

    def _run_batch(self, items: list[Loaded]) -> None:
        """`_run_model`, leaving the results as they were if it fails (for a retry)."""
        saved = [item.result.snapshot() for item in items] if len(items) > 1 else None
        try:
            self._run_model(items)
        except Exception:
            for item, state in zip(items, saved or []):
                item.result.restore(state)
            raise

    @torch.inference_mode()
    def _run_model(self, items: list[Loaded]) -> None:
        started = time.perf_counter()
        with autocast(self.device, self.dtype):
            x = self.model.prepare_batch([it.pixels.to(self.device, non_blocking=True) for it in items])
            if self.options.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            embeddings = self._encode(x)
            if self.options.channels_last:
                embeddings = embeddings.contiguous()
        synchronize(self.device)  # the encoder's time, not the decoder's
        self.encoded_images += len(items)
        share = (time.perf_counter() - started) / len(items)
        for item in items:
            add_times(item.result.stats, {"encode": share})
        self.process(items, embeddings)

    def _load_here(self, job: Job) -> Loaded:
        """`load` for this process's model: on CUDA the pixels are page-locked in the
        loader thread, so the main thread's host→device copy does not wait."""
        loaded = self.load(job)
        if loaded.pixels is not None and self.device.type == "cuda":
            started = time.perf_counter()
            try:
                loaded.pixels = pinned(loaded.pixels)
            except Exception as exc:  # this image only
                _preprocess_failed(loaded, exc)
            add_times(loaded.result.stats, {"preprocess": time.perf_counter() - started})
        return loaded

    def load(self, job: Job) -> Loaded:
        """Decode (unless given), let the command prepare, resize for the encoder.
        Needs no weights, so it may run in threads or in other processes."""
        job = read_image(job)
        if job.error is not None:
            return Loaded(ImageResult(job.ref.key, str(job.ref.path), error=job.error, stats=dict(job.info)))
        image = job.image
        h, w = image.shape[:2]
        result = ImageResult(job.ref.key, str(job.ref.path), width=w, height=h, warnings=list(job.warnings),
                             stats=dict(job.info), maps=dict(job.maps))
        loaded = Loaded(result, image=image)
        try:
            if self.prepare(loaded, job):
                started = time.perf_counter()
                loaded.geom = self.model.geometry((h, w))
                loaded.pixels = self.model.preprocess(image)
                add_times(loaded.result.stats, {"preprocess": time.perf_counter() - started})
        except Exception as exc:  # this image only (in a loader thread, outside the model's guard)
            _preprocess_failed(loaded, exc)
        if not self.options.keep_images and not self.needs_image:
            loaded.image = None
        return loaded


def _preprocess_failed(loaded: Loaded, exc: Exception) -> None:
    loaded.result.fail(f"preprocessing failed: {describe(exc)}")
    loaded.pixels = None


def _model_failed(item: Loaded, exc: Exception) -> None:
    item.result.fail(f"model failed: {describe(exc)}")


def model_device(model) -> torch.device:
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def embed_image(model: PromptableModel, image: np.ndarray) -> torch.Tensor:
    """One uint8 H×W×3 RGB image (or crop) through the model's own preprocessing
    and encoder, unbatched → (1, C, h, w) on the model's device."""
    x = model.preprocess(np.ascontiguousarray(image)).to(model_device(model))
    return model.encode(model.prepare_batch([x]))
