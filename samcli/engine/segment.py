"""`segment`: images + prompts → one mask per prompt.

Per encoder batch: the images are encoded ONCE, then every prompt of those
images is decoded against its image's embedding in shape-grouped batches, the
chosen token's low-res logits are kept on the device, and only at the end are
masks upscaled, thresholded and RLE-encoded (one device→host copy per chunk).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from samcli.engine.device import autocast, resolve_device, resolve_precision
from samcli.engine.mask_output import upscale_to_rles
from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.prompt_batch import PromptRef, group_by_shape, shape_of, to_tensors
from samcli.engine.records import Annotation, ImageResult
from samcli.errors import InputError, SamcliError
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.resolve import resolve
from samcli.io.prompts.types import Prompt
from samcli.models.base import MULTIMASK_MODES, Geometry, PromptableModel
from samcli.ops import rle

DEFAULT_CATEGORY_ID = 1


@dataclass
class SegmentOptions:
    batch_size: int = 1  # images per encoder call
    prompt_batch: int = 64  # prompts per decoder call
    multimask: str = "auto"
    precision: str = "auto"
    workers: int = 2  # image decode/resize threads

    def __post_init__(self) -> None:
        if self.multimask not in MULTIMASK_MODES:
            raise SamcliError(f"--multimask must be one of {', '.join(MULTIMASK_MODES)}")
        if self.batch_size < 1 or self.prompt_batch < 1:
            raise SamcliError("--batch-size and --prompt-batch must be at least 1")


@dataclass
class Job:
    """One image and its prompts (pixels, or fractions when `normalized`).

    Stages before the segmenter (e.g. saliency clicks) may hand over the
    decoded `image`, an `error` that already sank the image, and per-image
    `info` that ends up in the result's stats."""

    ref: ImageRef
    prompts: list[Prompt] = field(default_factory=list)
    image: np.ndarray | None = None
    error: str | None = None
    info: dict = field(default_factory=dict)


@dataclass
class _Loaded:
    job: Job
    result: ImageResult
    prompts: list[Prompt] = field(default_factory=list)  # resolved to pixels
    indices: list[int] = field(default_factory=list)  # their positions in the job's list
    geom: Geometry | None = None
    pixels: torch.Tensor | None = None  # model.preprocess output
    image: np.ndarray | None = None  # kept only when asked (overlays)


class Segmenter:
    """Runs a promptable model over images. `run` streams ImageResults in input order."""

    def __init__(self, model: PromptableModel, device: str | torch.device = "auto",
                 options: SegmentOptions | None = None, keep_images: bool = False) -> None:
        self.options = options or SegmentOptions()
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.dtype = resolve_precision(self.options.precision, self.device)
        self.model = model.to(self.device).eval()
        self.keep_images = keep_images
        #: called with each ImageResult and its decoded image (or None) — e.g. overlay writers
        self.on_image: Callable[[ImageResult, np.ndarray | None], None] | None = None

    # ---- public API ------------------------------------------------------
    def segment(self, image: np.ndarray, prompts: list[Prompt]) -> list[Annotation]:
        """One in-memory RGB uint8 image → one annotation per prompt."""
        loaded = self._prepare(Job(ImageRef(path=None, key="<array>"), prompts), image)  # type: ignore[arg-type]
        if loaded.result.error:
            raise SamcliError(loaded.result.error)
        self._process_batch([loaded])
        return loaded.result.annotations

    def run(self, jobs: Iterable[Job]) -> Iterator[ImageResult]:
        opts = self.options
        loaded = prefetch_map(self._load, jobs, opts.workers, depth=2 * opts.batch_size + opts.workers)
        # Only images with prompts reach the encoder; others pass straight through.
        for batch in batched(loaded, opts.batch_size):
            work = [item for item in batch if item.result.ok and item.prompts]
            if work:
                try:
                    self._process_batch(work)
                except (SamcliError, RuntimeError) as exc:  # e.g. out of memory: fail these images, go on
                    for item in work:
                        item.result.error = f"model failed: {exc}"
                        item.result.annotations = []
            for item in batch:
                if self.on_image is not None:
                    self.on_image(item.result, item.image)
                yield item.result

    # ---- loading (worker threads) ----------------------------------------
    def _load(self, job: Job) -> _Loaded:
        if job.error is not None:
            return _Loaded(job, ImageResult(job.ref.key, str(job.ref.path), error=job.error))
        if job.image is not None:
            return self._prepare(job, job.image)
        try:
            image = decode_image(job.ref.path)
        except SamcliError as exc:
            return _Loaded(job, ImageResult(job.ref.key, str(job.ref.path), error=str(exc)))
        except Exception as exc:  # never let one file stop the run
            return _Loaded(job, ImageResult(job.ref.key, str(job.ref.path), error=f"{exc.__class__.__name__}: {exc}"))
        return self._prepare(job, image)

    def _prepare(self, job: Job, image: np.ndarray) -> _Loaded:
        h, w = image.shape[:2]
        result = ImageResult(job.ref.key, str(job.ref.path), width=w, height=h, stats=dict(job.info))
        loaded = _Loaded(job, result, image=image if self.keep_images else None)
        for k, prompt in enumerate(job.prompts):
            try:
                pixel_prompt, warnings = resolve(prompt, w, h)
            except InputError as exc:  # this prompt is unusable; the image's others still run
                result.prompt_errors.append(str(exc))
                continue
            problem = self.model.prompt_problem(*shape_of(pixel_prompt))
            if problem:
                result.prompt_errors.append(f"{prompt.source or f'prompt {k}'}: {problem}")
                continue
            result.warnings += warnings
            loaded.prompts.append(pixel_prompt)
            loaded.indices.append(prompt.index if prompt.index is not None else k)
        if loaded.prompts:
            loaded.geom = self.model.geometry((h, w))
            loaded.pixels = self.model.preprocess(image)
        return loaded

    # ---- model (main thread) ---------------------------------------------
    @torch.inference_mode()
    def _process_batch(self, items: list[_Loaded]) -> None:
        model, dev = self.model, self.device
        t0 = time.perf_counter()
        with autocast(dev, self.dtype):
            x = model.prepare_batch([it.pixels.to(dev, non_blocking=True) for it in items])
            embeddings = model.encode(x)
        t1 = time.perf_counter()
        chosen = self._decode_all(embeddings, items)
        t2 = time.perf_counter()
        for slot, item in enumerate(items):
            low, scores = chosen[slot]
            self._finish(item, low, scores)
            item.pixels = None
        t3 = time.perf_counter()
        for item in items:
            item.result.stats.update(prompts=len(item.prompts), encode_s=(t1 - t0) / len(items),
                                     decode_s=(t2 - t1) / len(items), postprocess_s=(t3 - t2) / len(items))

    def _decode_all(self, embeddings: torch.Tensor, items: list[_Loaded]):
        """Decode every prompt of the batch; → per slot (low-res logits (P,h,w), scores (P,))."""
        refs = [PromptRef(slot, k, p) for slot, it in enumerate(items) for k, p in enumerate(it.prompts)]
        geoms = [it.geom for it in items]
        lows: list[list] = [[None] * len(it.prompts) for it in items]
        ious: list[list] = [[None] * len(it.prompts) for it in items]
        for group in group_by_shape(refs):
            for chunk in batched(group, self.options.prompt_batch):
                prompts = to_tensors(chunk, geoms).to(self.device)
                with autocast(self.device, self.dtype):
                    low, iou = self.model.decode(embeddings, prompts)
                pick = self.model.select(low, iou, prompts, self.options.multimask)
                rows = torch.arange(len(chunk), device=low.device)
                low, iou = low[rows, pick].float(), iou[rows, pick].float()
                for j, ref in enumerate(chunk):
                    lows[ref.slot][ref.index] = low[j]
                    ious[ref.slot][ref.index] = iou[j]
        return [(torch.stack(l), torch.stack(s)) for l, s in zip(lows, ious)]

    def _finish(self, item: _Loaded, low: torch.Tensor, scores: torch.Tensor) -> None:
        rles = upscale_to_rles(self.model, low, item.geom)
        boxes, areas = rle.bbox(rles), rle.area(rles)
        for k, (prompt, r, score) in enumerate(zip(item.prompts, rles, scores.tolist())):
            extra: dict = {"prompt_index": item.indices[k]}
            if prompt.box is not None:
                extra["prompt_box"] = [round(float(v), 2) for v in prompt.box]
            if prompt.points is not None:
                extra["point_coords"] = np.round(prompt.points, 2).tolist()
                extra["point_labels"] = [int(v) for v in prompt.labels]
            if prompt.score is not None:
                extra["detection_score"] = prompt.score
            item.result.annotations.append(Annotation(
                rle=r, bbox=boxes[k], area=areas[k], score=float(score),
                category_id=prompt.category_id if prompt.category_id is not None else DEFAULT_CATEGORY_ID,
                extra=extra,
            ))
