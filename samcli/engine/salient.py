"""`salient`: no prompt file — each image's most salient object becomes five
clicks (SqueezeSAM's rule), which the segmenter turns into one mask."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from samcli.engine.isolate import each_alone_on_failure
from samcli.engine.pipeline import Job, PipelineOptions, read_image
from samcli.engine.prefetch import batched, prefetch_map
from samcli.engine.records import ImageResult
from samcli.engine.segment import Segmenter
from samcli.errors import describe
from samcli.io.prompts.types import Prompt
from samcli.models.base import PromptableModel
from samcli.salient import DEFAULT_MIN_BLOB_AREA, DEFAULT_THRESHOLD, SaliencySource, salient_clicks


@dataclass(frozen=True)
class SalientOptions:
    threshold: float = DEFAULT_THRESHOLD  # on the [0, 1] map
    min_blob_area: int = DEFAULT_MIN_BLOB_AREA  # pixels; smaller blobs are specks
    #: attach each saliency map to its result as maps["saliency"] (for --save-saliency)
    keep_maps: bool = False


class SalientRunner:
    """Decode (threads) → saliency maps (batched, `batch_size` images per call)
    → clicks → the segmenter. An image without a salient object is listed with
    a warning and no mask; it does not fail the run."""

    def __init__(self, model: PromptableModel, source: SaliencySource | None, options: SalientOptions | None = None,
                 pipeline: PipelineOptions | None = None) -> None:
        self.segmenter = Segmenter(model, pipeline=pipeline)
        self.source = source  # None: a runner that only `load`s
        self.options = options or SalientOptions()

    @property
    def encoded_images(self) -> int:
        return self.segmenter.encoded_images

    def load(self, job: Job) -> Job:
        return read_image(job)

    def run(self, jobs: Iterable[Job]) -> Iterator[ImageResult]:
        o = self.segmenter.options
        return self.run_loaded(prefetch_map(self.load, jobs, self.segmenter.workers, depth=2 * o.batch_size))

    def run_loaded(self, decoded: Iterable[Job]) -> Iterator[ImageResult]:
        return self.segmenter.run(self._click_jobs(decoded))

    def _click_jobs(self, decoded: Iterable[Job]) -> Iterator[Job]:
        for chunk in batched(decoded, self.segmenter.options.batch_size):
            good = [job for job in chunk if job.error is None]
            if good:  # an image that breaks the batch's saliency maps fails alone
                each_alone_on_failure(good, self._find_clicks, _saliency_failed)
            yield from chunk

    def _find_clicks(self, jobs: list[Job]) -> None:
        """Saliency maps for a batch of decoded images, then each one's clicks."""
        for job, saliency in zip(jobs, self.source.saliency_maps([job.image for job in jobs])):
            self._clicks(job, saliency)

    def _clicks(self, job: Job, saliency: np.ndarray) -> Job:
        job.maps = {"saliency": saliency} if self.options.keep_maps else {}
        found = salient_clicks(saliency, threshold=self.options.threshold, min_blob_area=self.options.min_blob_area)
        if not found:
            job.info["salient"] = {"found": False, "reason": found.reason}
            job.warnings = [f"no salient object: {found.reason}"]
            return job
        job.prompts = [Prompt(points=found.points.astype(np.float64), labels=np.ones(len(found.points), np.int64),
                              source=f"{job.ref.key}: salient clicks")]
        job.info["salient"] = {"found": True, "blob_area": int(found.area), "blob_score": round(float(found.score), 3),
                               "blob_box": [int(v) for v in found.box]}
        return job


def _saliency_failed(job: Job, exc: Exception) -> None:
    job.error = f"saliency map failed: {describe(exc)}"
