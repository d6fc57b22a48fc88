"""`salient`: no prompt file — each image's most salient object becomes five
clicks (SqueezeSAM's rule), which the segmenter turns into one mask."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.pipeline import Job
from samcli.errors import SamcliError
from samcli.io.images import ImageRef, decode_image
from samcli.io.prompts.types import Prompt
from samcli.salient import DEFAULT_MIN_BLOB_AREA, DEFAULT_THRESHOLD, SaliencySource, salient_clicks


@dataclass
class SalientOptions:
    threshold: float = DEFAULT_THRESHOLD  # on the [0, 1] map
    min_blob_area: int = DEFAULT_MIN_BLOB_AREA  # pixels; smaller blobs are specks
    batch_size: int = 4  # images per saliency-model call
    workers: int = 2


def _decode(ref: ImageRef) -> tuple[ImageRef, np.ndarray | None, str | None]:
    try:
        return ref, decode_image(ref.path), None
    except SamcliError as exc:
        return ref, None, str(exc)


def salient_jobs(refs: Iterable[ImageRef], source: SaliencySource, options: SalientOptions,
                 on_map: Callable[[ImageRef, np.ndarray], None] | None = None) -> Iterator[Job]:
    """Decode (threads) → saliency maps (batched) → clicks → one point prompt per image.
    An image without a salient object yields a job with no prompt and the reason in
    its info, so it is reported without failing the run."""
    decoded = prefetch_map(_decode, refs, options.workers, depth=2 * options.batch_size)
    for chunk in batched(decoded, options.batch_size):
        good = [(ref, image) for ref, image, error in chunk if error is None]
        maps = iter(source.saliency_maps([image for _, image in good]))
        for ref, image, error in chunk:
            if error is not None:
                yield Job(ref, error=error)
                continue
            saliency = next(maps)
            if on_map is not None:
                on_map(ref, saliency)
            yield clicks_job(ref, image, saliency, options)


def clicks_job(ref: ImageRef, image: np.ndarray, saliency: np.ndarray, options: SalientOptions) -> Job:
    found = salient_clicks(saliency, threshold=options.threshold, min_blob_area=options.min_blob_area)
    if not found:
        return Job(ref, image=image, info={"salient": {"found": False, "reason": found.reason}})
    clicks = Prompt(points=found.points.astype(np.float64), labels=np.ones(len(found.points), np.int64),
                    source=f"{ref.key}: salient clicks")
    info = {"salient": {"found": True, "blob_area": int(found.area), "blob_score": round(float(found.score), 3),
                        "blob_box": [int(v) for v in found.box]}}
    return Job(ref, [clicks], image=image, info=info)
