"""`samcli eval` through the engine: `Evaluator` is the ImagePipeline of the
eval command. `prepare` (loader threads) attaches each image's ground truth
(and, for coco-ap, its detections); `process` runs the protocol on every image
of an encoder batch against that image's row of the batch's embeddings. So
each image is encoded once, and its prompts are decoded `prompt_batch` at a
time, as `segment` does.

What an image yields is an `EvalResult`, whose `to_json()` is the line the
run's journal keeps (and the report is computed from):

    {"file", "path", "width", "height", "image_id",
     "instances": [{"id", "category_id", "area", "iou": [...], "clicks": [[x, y, 1|0], ...]}]}  # box, point
     "detections": [{"image_id", "category_id", "score", "segmentation"}]                       # coco-ap
    {"file", "path", ..., "error": "..."}                                                       # failed

`iou` holds one IoU for box, the IoU after click 1, 2, …, max(clicks) for point.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, fields

import torch

from samcli.engine.choices import default_prompt_batch
from samcli.engine.pipeline import ImagePipeline, Job, Loaded, PipelineOptions
from samcli.engine.records import ImageResult
from samcli.engine.timing import add_times
from samcli.errors import SamcliError
from samcli.eval.decoding import EncodedImage, size_problem
from samcli.eval.ground_truth import CocoId, GtImage
from samcli.eval.protocol_box import BOX_MULTIMASK, box_results
from samcli.eval.protocol_coco_ap import detection_results
from samcli.eval.protocol_point import DEFAULT_CLICKS, point_results
from samcli.io.prompts.types import Prompt
from samcli.models.base import MULTIMASK_MODES, PromptableModel
from samcli.writers.journal import Journal
from samcli.writers.outputs import Writer

PROTOCOLS = ("box", "point", "coco-ap")


@dataclass(frozen=True)
class EvalOptions:
    protocol: str  # box | point | coco-ap
    clicks: tuple[int, ...] = DEFAULT_CLICKS  # point: report mIoU after these click counts
    #: every protocol keeps the best of the three candidates by predicted IoU, as EfficientViT-SAM's evaluation
    multimask: str = BOX_MULTIMASK
    feedback: bool = False  # point: feed the kept low-res logits back (models that take a mask prompt)
    prompt_batch: int | None = None  # prompts per decoder call; None: default_prompt_batch

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise SamcliError(f"--protocol must be one of {', '.join(PROTOCOLS)}, not {self.protocol!r}")
        if not self.clicks or any(k < 1 for k in self.clicks):
            raise SamcliError(f"--clicks must be click counts of at least 1, got {list(self.clicks)}")
        if self.multimask not in MULTIMASK_MODES:
            raise SamcliError(f"--multimask must be one of {', '.join(MULTIMASK_MODES)}, not {self.multimask!r}")
        if self.prompt_batch is not None and self.prompt_batch < 1:
            raise SamcliError("--prompt-batch must be at least 1")

    @property
    def max_clicks(self) -> int:
        return max(self.clicks)


@dataclass
class EvalResult(ImageResult):
    """An image's result under a protocol: per-instance or per-detection records."""

    image_id: CocoId | None = None  # the ground truth's
    instances: list[dict] | None = None  # box, point: InstanceResult.to_json() of each instance
    detections: list[dict] | None = None  # coco-ap: COCO results entries, segmentation as RLE

    @classmethod
    def of(cls, result: ImageResult, image_id: CocoId) -> "EvalResult":
        return cls(**{f.name: getattr(result, f.name) for f in fields(ImageResult)}, image_id=image_id)

    def to_json(self) -> dict:
        rec = super().to_json()
        del rec["annotations"]  # always empty: the protocol's records stand for them
        rec.pop("stats", None)
        rec["image_id"] = self.image_id
        for name in ("instances", "detections"):
            if self.ok and getattr(self, name) is not None:
                rec[name] = getattr(self, name)
        return rec


class Evaluator(ImagePipeline):
    """Runs one model over the images of `truth` (IMAGES key → its ground truth)
    under `options.protocol`; `detections` (IMAGES key → box prompts with score
    and category) for coco-ap. Images with nothing to prompt are recorded, never encoded."""

    def __init__(self, model: PromptableModel, options: EvalOptions, truth: dict[str, GtImage],
                 detections: dict[str, list[Prompt]] | None = None, pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, pipeline)
        self.eval_options = options
        self.truth = truth
        self.detections = detections or {}
        self.prompt_batch = options.prompt_batch or default_prompt_batch(self.device.type)

    def prepare(self, loaded: Loaded, job: Job) -> bool:
        gt = self.truth[job.ref.key]
        result = loaded.result = EvalResult.of(loaded.result, gt.image_id)
        result.error = size_problem((result.height, result.width), gt)
        if result.error:
            return False
        if self.eval_options.protocol == "coco-ap":
            result.detections, loaded.work = [], (gt, self.detections.get(job.ref.key, []))
            return bool(loaded.work[1])
        result.instances, loaded.work = [], (gt, [])
        return bool(gt.instances)

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        for slot, item in enumerate(items):
            started = time.perf_counter()
            image = EncodedImage(self.model, embeddings, item.geom, slot, self.dtype, self.prompt_batch)
            try:
                self._evaluate(image, item.result, *item.work)
            except SamcliError as exc:  # this image only; the batch's others go on
                item.result.error = str(exc)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            add_times(item.result.stats, {"decode": time.perf_counter() - started})

    def _evaluate(self, image: EncodedImage, result: EvalResult, gt: GtImage, detections: list[Prompt]) -> None:
        o = self.eval_options
        if o.protocol == "coco-ap":
            result.detections = detection_results(image, gt.image_id, detections, o.multimask)
            return
        if o.protocol == "box":
            found = box_results(image, gt, o.multimask)
        else:
            found = point_results(image, gt, o.max_clicks, o.multimask, o.feedback)
        result.instances = [r.to_json() for r in found]


class JournalWriter(Writer):
    """The eval run's only output while it runs: each image's record into the
    model's journal (flushed per image, fsync'd every `sync_every`); the report
    is computed from the journal at the end."""

    keeps_records = True

    def __init__(self, journal: Journal, sync_every: int = 1) -> None:
        self.journal = journal
        journal.sync_every = max(1, sync_every)

    def add(self, result: ImageResult) -> None:
        self.journal.append(result.to_json())

    def close(self, complete: bool = True) -> None:
        self.journal.sync()  # kept open and locked: the report is computed from it, then it is closed

    def abandon(self) -> None:
        self.journal.close()
