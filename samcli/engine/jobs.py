"""What flows through every command's data path: the run's options, one image's
job, and the image once loaded. No torch here (see `engine.flow`)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from samcli.engine.records import ImageResult
from samcli.engine.timing import add_times
from samcli.errors import SamcliError, describe
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.types import Prompt
from samcli.models.geometry import Geometry


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
    pixels: Any = None  # model.preprocess output; None: skip the model (or see `stored`)
    geom: Geometry | None = None
    work: Any = None  # the command's own per-image state
    stored: Any = None  # its embedding (`engine.stored.Found.embedding`), read from --embeddings: not encoded
    sha256: str | None = None  # of the image file, where embeddings are read or kept

    @property
    def runs_model(self) -> bool:
        return self.result.ok and (self.pixels is not None or self.stored is not None)
