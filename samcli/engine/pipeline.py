"""The shape every command's data path shares: decode images in threads,
group them into encoder batches, encode each image ONCE, hand the batch and
its embeddings to the command's own work, stream results in input order."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch

from samcli.engine.device import autocast, resolve_device, resolve_precision
from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.records import ImageResult
from samcli.errors import SamcliError
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.types import Prompt
from samcli.models.base import Geometry, PromptableModel


@dataclass
class Job:
    """One image to process, with its prompts where the command takes any.

    Stages before the pipeline (e.g. saliency clicks) may hand over the decoded
    `image`, an `error` that already sank the image, and per-image `info` that
    ends up in the result's stats."""

    ref: ImageRef
    prompts: list[Prompt] = field(default_factory=list)
    image: np.ndarray | None = None
    error: str | None = None
    info: dict = field(default_factory=dict)


@dataclass
class Loaded:
    """A job after the loader thread: decoded, preprocessed for the encoder."""

    job: Job
    result: ImageResult
    image: np.ndarray | None = None
    pixels: torch.Tensor | None = None  # model.preprocess output; None: skip the model
    geom: Geometry | None = None
    work: Any = None  # the command's own per-image state


class ImagePipeline:
    """Subclasses implement `prepare` (loader threads) and `process` (main thread)."""

    #: whether `process` needs the decoded image (e.g. everything's crops)
    needs_image: bool = False

    def __init__(self, model: PromptableModel, device: str | torch.device = "auto", precision: str = "auto",
                 batch_size: int = 1, workers: int = 2, keep_images: bool = False) -> None:
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.dtype = resolve_precision(precision, self.device)
        self.model = model.to(self.device).eval()
        self.batch_size, self.workers, self.keep_images = batch_size, workers, keep_images
        #: called with each ImageResult and its decoded image (if kept) — e.g. overlay writers
        self.on_image: Callable[[ImageResult, np.ndarray | None], None] | None = None

    # ---- hooks -----------------------------------------------------------
    def prepare(self, loaded: Loaded, image: np.ndarray) -> bool:
        """Per image, in a loader thread: set `loaded.work`; True if the model must run."""
        return True

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        """Per encoder batch, in the main thread: fill each item's result."""
        raise NotImplementedError

    # ---- driver ----------------------------------------------------------
    def run(self, jobs: Iterable[Job]) -> Iterator[ImageResult]:
        loaded = prefetch_map(self._load, jobs, self.workers, depth=2 * self.batch_size + self.workers)
        for batch in batched(loaded, self.batch_size):
            work = [item for item in batch if item.result.ok and item.pixels is not None]
            if work:
                try:
                    self._run_model(work)
                except (SamcliError, RuntimeError) as exc:  # e.g. out of memory: fail these images, go on
                    for item in work:
                        item.result.error = f"model failed: {exc}"
                        item.result.annotations = []
            for item in batch:
                if self.on_image is not None:
                    self.on_image(item.result, item.image)
                item.image = item.pixels = None
                yield item.result

    @torch.inference_mode()
    def _run_model(self, items: list[Loaded]) -> None:
        started = time.perf_counter()
        with autocast(self.device, self.dtype):
            x = self.model.prepare_batch([it.pixels.to(self.device, non_blocking=True) for it in items])
            embeddings = self.model.encode(x)
        encode_s = (time.perf_counter() - started) / len(items)
        for item in items:
            item.result.stats["encode_s"] = round(encode_s, 4)
        self.process(items, embeddings)

    def _load(self, job: Job) -> Loaded:
        fail = lambda message: Loaded(job, ImageResult(job.ref.key, str(job.ref.path), error=message))  # noqa: E731
        if job.error is not None:
            return fail(job.error)
        image = job.image
        if image is None:
            try:
                image = decode_image(job.ref.path)
            except SamcliError as exc:
                return fail(str(exc))
            except Exception as exc:  # never let one file stop the run
                return fail(f"{exc.__class__.__name__}: {exc}")
        return self._prepare(job, image)

    def _prepare(self, job: Job, image: np.ndarray) -> Loaded:
        h, w = image.shape[:2]
        result = ImageResult(job.ref.key, str(job.ref.path), width=w, height=h, stats=dict(job.info))
        loaded = Loaded(job, result, image=image)
        if self.prepare(loaded, image):
            loaded.geom = self.model.geometry((h, w))
            loaded.pixels = self.model.preprocess(image)
        if not self.keep_images and not self.needs_image:
            loaded.image = None
        return loaded
