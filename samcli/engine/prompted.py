"""`segment`'s work around the networks, whatever runs them (no torch): its
options, each image's usable prompts (resolved to pixels, checked against the
model), and one annotation per prompt from its RLE and predicted IoU. The
PyTorch engine (`engine.segment.Segmenter`) and the ONNX Runtime one
(`engine.ort_segment.OrtSegmenter`) share it, so both write the same records."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from samcli.engine.jobs import Job, Loaded
from samcli.engine.prompt_batch import shape_of
from samcli.engine.records import Annotation, to_annotations
from samcli.errors import InputError, SamcliError
from samcli.io.images import ImageRef
from samcli.io.prompts.resolve import resolve
from samcli.io.prompts.types import Prompt
from samcli.models.mask_rules import MULTIMASK_MODES

DEFAULT_CATEGORY_ID = 1
#: prompts decoded before their masks are made: bounds the low-res logits held
#: (256 × 256 float32 = 256 KiB each, so 64 MiB) whatever the prompts per image
MASKS_IN_FLIGHT = 256
#: what an annotation's `score` is (see `ranking_score`)
SCORE_MODES = ("detection", "mask", "product")


@dataclass(frozen=True)
class SegmentOptions:
    #: prompts per decoder call; None: engine.choices.default_prompt_batch
    prompt_batch: int | None = None
    multimask: str = "auto"
    score: str = "detection"  # one of SCORE_MODES

    def __post_init__(self) -> None:
        if self.multimask not in MULTIMASK_MODES:
            raise SamcliError(f"--multimask must be one of {', '.join(MULTIMASK_MODES)}")
        if self.score not in SCORE_MODES:
            raise SamcliError(f"--score must be one of {', '.join(SCORE_MODES)}, not {self.score!r}")
        if self.prompt_batch is not None and self.prompt_batch < 1:
            raise SamcliError("--prompt-batch must be at least 1")


@dataclass
class PromptState:
    """Per-image state: the usable prompts in pixels and their file positions."""

    prompts: list[Prompt] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)


def ranking_score(mode: str, detection: float | None, predicted_iou: float) -> float:
    """An annotation's `score`, what COCO AP ranks by. A prompt from a detection (COCO
    results, YOLO conf, GroundingDINO logit) ranks by the detection's confidence
    (`detection`, as the papers' zero-shot instance segmentation does), or by that times
    the mask's predicted IoU (`product`); other prompts, and `mask`, by the predicted IoU."""
    if detection is None or mode == "mask":
        return predicted_iou
    return detection if mode == "detection" else detection * predicted_iou


class PromptSegmenting:
    """The segment command's per-image work, mixed into a data path (`engine.flow`)
    that provides `model`, `run` and `segment_options`."""

    segment_options: SegmentOptions

    def segment(self, image: np.ndarray, prompts: list[Prompt]) -> list[Annotation]:
        """One in-memory RGB uint8 image → one annotation per prompt."""
        (result,) = self.run([Job(ImageRef(path=None, key="<array>"), prompts, image=image)])  # type: ignore[arg-type]
        if result.error:
            raise SamcliError(result.error)
        return result.annotations

    def prepare(self, loaded: Loaded, job: Job) -> bool:
        result, state = loaded.result, PromptState()
        for k, prompt in enumerate(job.prompts):
            try:
                pixel_prompt, warnings = resolve(prompt, result.width, result.height)
            except InputError as exc:  # this prompt is unusable; the image's others still run
                result.prompt_errors.append(str(exc))
                continue
            problem = self.model.prompt_problem(*shape_of(pixel_prompt))
            if problem:
                result.prompt_errors.append(f"{prompt.source or f'prompt {k}'}: {problem}")
                continue
            result.warnings += warnings
            state.prompts.append(pixel_prompt)
            state.indices.append(prompt.index if prompt.index is not None else k)
        loaded.work = state
        return bool(state.prompts)

    def _annotate(self, item: Loaded, rles: list[dict], scores: list[float]) -> None:
        prompts = item.work.prompts
        mode = self.segment_options.score
        extras = []
        for k, prompt in enumerate(prompts):
            extra: dict = {"predicted_iou": round(scores[k], 6), "prompt_index": item.work.indices[k]}
            if prompt.box is not None:
                extra["prompt_box"] = [round(float(v), 2) for v in prompt.box]
            if prompt.points is not None:
                extra["point_coords"] = np.round(prompt.points, 2).tolist()
                extra["point_labels"] = [int(v) for v in prompt.labels]
            if prompt.score is not None:
                extra["detection_score"] = prompt.score
            extras.append(extra)
        categories = [p.category_id if p.category_id is not None else DEFAULT_CATEGORY_ID for p in prompts]
        ranked = [ranking_score(mode, p.score, iou) for p, iou in zip(prompts, scores)]
        item.result.annotations = to_annotations(rles, ranked, extras, categories)

