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
from samcli.engine.stored import Found, StoredEmbeddings
from samcli.errors import SamcliError, describe
from samcli.io.digests import file_digest
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.types import Prompt
from samcli.models.base import Geometry, PromptableModel
from samcli.models.preprocessing import Preprocessing


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
    #: a folder of stored embeddings (`samcli embed`): an image stored there is not encoded (engine.stored)
    embeddings: str | None = None
    #: "float16": every embedding is rounded to float16 before decoding, as a float16 folder stores
    #: them, so an image's output does not depend on whether its embedding was stored
    embedding_dtype: str = "float32"
    #: attach each encoded image's embedding to its result for the writers (`embed`, --save-embeddings)
    keep_embeddings: bool = False

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
    pixels: torch.Tensor | None = None  # model.preprocess output; None: skip the model (or see `stored`)
    geom: Geometry | None = None
    work: Any = None  # the command's own per-image state
    stored: torch.Tensor | None = None  # its embedding, read from --embeddings: not encoded
    sha256: str | None = None  # of the image file, where embeddings are read or kept

    @property
    def runs_model(self) -> bool:
        return self.result.ok and (self.pixels is not None or self.stored is not None)


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
        #: images that went through the encoder (resumed, prompt-less or stored ones never do)
        self.encoded_images = 0
        #: images whose embedding was read from --embeddings instead
        self.read_embeddings = 0
        self.stored = StoredEmbeddings(self.options.embeddings) if self.options.embeddings else None
        self._preprocessing = _described_preprocessing(model)

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
            work = [item for item in batch if item.runs_model]
            if work:
                each_alone_on_failure(work, self._run_batch, _model_failed)
            for item in batch:
                item.pixels = item.stored = None
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
        self.process(items, self._embeddings(items))

    def _embeddings(self, items: list[Loaded]) -> torch.Tensor:
        """The batch's embeddings, row k for items[k]: those stored as read, the others
        encoded in one call (a batch of only encoded images is the encoder's output as is)."""
        fresh = [item for item in items if item.stored is None]
        encoded = self._encode_items(fresh) if fresh else None
        if self.stored is not None:
            for item in items:
                item.result.stats["embedding"] = "encoded" if item.stored is None else "read"
        if len(fresh) == len(items):
            rows = encoded
        else:
            self.read_embeddings += len(items) - len(fresh)
            next_encoded = iter(range(len(fresh)))
            rows = torch.cat([item.stored.to(self.device, non_blocking=True) if item.stored is not None
                              else encoded[next(next_encoded)][None] for item in items])
        if self.options.embedding_dtype == "float16":
            rows = rows.to(torch.float16).to(rows.dtype)
        return rows

    def _encode_items(self, items: list[Loaded]) -> torch.Tensor:
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
        if self.options.keep_embeddings:
            self._keep(items, embeddings)
        return embeddings

    def _keep(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        """Each image's embedding (float32 on the host) and its entry, for the writers."""
        host = embeddings.float().cpu().numpy()
        kind = str(embeddings.dtype).removeprefix("torch.")
        for k, item in enumerate(items):
            hw = item.geom.original_hw
            item.result.maps["embedding"] = host[k:k + 1].copy()
            item.result.embedding_info = {
                "shape": list(host[k:k + 1].shape), "tensor_dtype": kind, "resized_hw": list(item.geom.prompt_hw),
                "input_hw": list(self._preprocessing.resized_hw(hw)) if self._preprocessing else None,
                "sha256": item.sha256}

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
        """Decode (unless given, or its embedding is stored and the image itself is not
        needed), let the command prepare, resize for the encoder. Needs no weights, so it
        may run in threads or in other processes."""
        sha256, found, job = self._find_stored(job)
        if found is None or self.needs_image or self.options.keep_images:
            job = read_image(job)
        if job.error is not None:
            return Loaded(ImageResult(job.ref.key, str(job.ref.path), error=job.error, stats=dict(job.info)))
        image = job.image
        h, w = image.shape[:2] if image is not None else found.original_hw
        if found is not None and (h, w) != found.original_hw:  # not the image it was made of after all
            found = None
        result = ImageResult(job.ref.key, str(job.ref.path), width=w, height=h, warnings=list(job.warnings),
                             stats=dict(job.info), maps=dict(job.maps))
        loaded = Loaded(result, image=image, sha256=sha256)
        try:
            if self.prepare(loaded, job):
                started = time.perf_counter()
                loaded.geom = self.model.geometry((h, w))
                if found is not None:
                    loaded.stored = found.embedding
                else:
                    loaded.pixels = self.model.preprocess(image)
                add_times(loaded.result.stats, {"preprocess": time.perf_counter() - started})
        except Exception as exc:  # this image only (in a loader thread, outside the model's guard)
            _preprocess_failed(loaded, exc)
        if not self.options.keep_images and not self.needs_image:
            loaded.image = None
        return loaded

    def _find_stored(self, job: Job) -> tuple[str | None, Found | None, Job]:
        """The image file's sha256 where embeddings are read or kept, and its stored
        embedding (None: encode it); the job with a warning if a stored one was unusable."""
        if (self.stored is None and not self.options.keep_embeddings) or job.ref.path is None or job.error:
            return None, None, job
        started = time.perf_counter()
        try:
            sha256 = file_digest(job.ref.path)
        except OSError:  # unreadable: decoding says why
            return None, None, job
        found, warning = self.stored.find(job.ref, sha256) if self.stored is not None else (None, None)
        info = dict(job.info)
        add_times(info, {"read": time.perf_counter() - started})
        return sha256, found, replace(job, info=info, warnings=job.warnings + [warning] if warning else job.warnings)


def _described_preprocessing(model: PromptableModel) -> Preprocessing | None:
    """The model's preprocessing as data (where an embedding sits in its input), if it says."""
    try:
        return model.preprocessing
    except NotImplementedError:  # e.g. a plugin model
        return None


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
