"""The shape every command's data path shares, whatever runs the model: decode
and preprocess images in threads, group them into encoder batches, encode each
image ONCE (or read its stored embedding), hand the batch and its embeddings to
the command's own work, stream results in input order.

Two halves, so other executors (Ray) can run them apart: `load` (CPU, no
weights needed: decode, per-image preparation, resize) and `run_loaded` (the
model). `run` chains them locally with a thread pool.

No torch here: `engine.pipeline.ImagePipeline` runs PyTorch models on torch
tensors, `engine.ort_segment` runs ONNX Runtime on numpy arrays without ever
importing torch. The few array operations differ and are hooks (`_encode_batch`,
`_join_rows`, `_as_stored`, `_to_host`).
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Iterable, Iterator

import numpy as np

from samcli.engine.isolate import each_alone_on_failure
from samcli.engine.jobs import Job, Loaded, PipelineOptions, read_image
from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.progress import PromptListener
from samcli.engine.records import ImageResult
from samcli.engine.timing import add_times
from samcli.errors import describe
from samcli.io.digests import file_digest
from samcli.models.preprocessing import Preprocessing


class ImageFlow:
    """Subclasses implement `prepare` (loader threads), `process` (main thread) and
    the array hooks."""

    #: whether `process` needs the decoded image (e.g. everything's crops)
    needs_image: bool = False
    #: told of the prompts planned and decoded in the images being processed (see engine.progress)
    on_prompts: PromptListener | None = None

    def __init__(self, model: Any, pipeline: PipelineOptions | None, workers: int) -> None:
        self.model = model
        self.options = pipeline or PipelineOptions()
        self.workers = self.options.workers or workers
        #: images that went through the encoder (resumed, prompt-less or stored ones never do)
        self.encoded_images = 0
        #: images whose embedding was read from --embeddings instead
        self.read_embeddings = 0
        self.stored = None
        if self.options.embeddings:
            from samcli.engine.stored import StoredEmbeddings

            self.stored = StoredEmbeddings(self.options.embeddings)
        self._preprocessing = _described_preprocessing(model)

    # ---- hooks -----------------------------------------------------------
    def prepare(self, loaded: Loaded, job: Job) -> bool:
        """Per image, in a loader thread: set `loaded.work`; True if the model must run."""
        return True

    def process(self, items: list[Loaded], embeddings: Any) -> None:
        """Per encoder batch, in the main thread: fill each item's result."""
        raise NotImplementedError

    def _encode_batch(self, items: list[Loaded]) -> Any:
        """The items' pixels through the encoder → (B, C, h, w), the time it took ending with it."""
        raise NotImplementedError

    def _join_rows(self, rows: list[Any]) -> Any:
        """(1, C, h, w) rows → one (B, C, h, w) batch on the model's device."""
        raise NotImplementedError

    def _as_stored(self, rows: Any) -> Any:
        """The batch as a float16 folder stores it (rounded to float16, in its own dtype)."""
        raise NotImplementedError

    def _to_host(self, embeddings: Any) -> tuple[np.ndarray, str]:
        """→ (float32 numpy copy on the host, the dtype's name as the encoder produced it)."""
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

    def _run_model(self, items: list[Loaded]) -> None:
        self.process(items, self._embeddings(items))

    def _embeddings(self, items: list[Loaded]) -> Any:
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
            rows = self._join_rows([item.stored if item.stored is not None else encoded[next(next_encoded)][None]
                                    for item in items])
        if self.options.embedding_dtype == "float16":
            rows = self._as_stored(rows)
        return rows

    def _encode_items(self, items: list[Loaded]) -> Any:
        started = time.perf_counter()
        embeddings = self._encode_batch(items)
        self.encoded_images += len(items)
        share = (time.perf_counter() - started) / len(items)
        for item in items:
            add_times(item.result.stats, {"encode": share})
        if self.options.keep_embeddings:
            self._keep(items, embeddings)
        return embeddings

    def _keep(self, items: list[Loaded], embeddings: Any) -> None:
        """Each image's embedding (float32 on the host) and its entry, for the writers."""
        host, kind = self._to_host(embeddings)
        for k, item in enumerate(items):
            hw = item.geom.original_hw
            item.result.maps["embedding"] = host[k:k + 1].copy()
            item.result.embedding_info = {
                "shape": list(host[k:k + 1].shape), "tensor_dtype": kind, "resized_hw": list(item.geom.prompt_hw),
                "input_hw": list(self._preprocessing.resized_hw(hw)) if self._preprocessing else None,
                "sha256": item.sha256}

    def _load_here(self, job: Job) -> Loaded:
        """`load` as this process's model wants it (see ImagePipeline's, which pins memory)."""
        return self.load(job)

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
            preprocess_failed(loaded, exc)
        if not self.options.keep_images and not self.needs_image:
            loaded.image = None
        return loaded

    def _find_stored(self, job: Job):
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


def _described_preprocessing(model: Any) -> Preprocessing | None:
    """The model's preprocessing as data (where an embedding sits in its input), if it says."""
    try:
        return model.preprocessing
    except NotImplementedError:  # e.g. a plugin model
        return None


def preprocess_failed(loaded: Loaded, exc: Exception) -> None:
    loaded.result.fail(f"preprocessing failed: {describe(exc)}")
    loaded.pixels = None


def _model_failed(item: Loaded, exc: Exception) -> None:
    item.result.fail(f"model failed: {describe(exc)}")
