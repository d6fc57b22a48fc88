"""`segment`: images + prompts → one mask per prompt.

Per encoder batch: the images are encoded ONCE, then every prompt of those
images is decoded against its image's embedding in shape-grouped batches, the
chosen token's low-res logits are kept on the device, and only at the end are
masks upscaled and thresholded (on the device), copied to the host with the
scores without waiting, and RLE-encoded after ONE wait per batch (per
HOST_MASK_BUDGET_MB of masks on huge images); no per-prompt or per-image sync.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from samcli.engine.device import autocast, default_prompt_batch, synchronize, to_host
from samcli.engine.masks import binary_masks, to_annotations
from samcli.engine.pipeline import ImagePipeline, Job, Loaded, PipelineOptions
from samcli.engine.prefetch import batched
from samcli.engine.prompt_batch import PromptRef, group_by_shape, shape_of, to_tensors
from samcli.engine.records import Annotation
from samcli.engine.timing import StageTimes, add_times
from samcli.errors import InputError, SamcliError
from samcli.io.images import ImageRef
from samcli.io.prompts.resolve import resolve
from samcli.io.prompts.types import Prompt
from samcli.models.base import MULTIMASK_MODES, PromptableModel
from samcli.ops import rle

DEFAULT_CATEGORY_ID = 1
#: CUDA: full-size uint8 masks copied to the host before the wait that RLE-encodes
#: them (bounds pinned memory on huge images; typically a whole batch fits)
HOST_MASK_BUDGET_MB = 256.0


@dataclass(frozen=True)
class SegmentOptions:
    #: prompts per decoder call; None: engine.device.default_prompt_batch
    prompt_batch: int | None = None
    multimask: str = "auto"

    def __post_init__(self) -> None:
        if self.multimask not in MULTIMASK_MODES:
            raise SamcliError(f"--multimask must be one of {', '.join(MULTIMASK_MODES)}")
        if self.prompt_batch is not None and self.prompt_batch < 1:
            raise SamcliError("--prompt-batch must be at least 1")


@dataclass
class _Prompts:
    """Per-image state: the usable prompts in pixels and their file positions."""

    prompts: list[Prompt] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)


class Segmenter(ImagePipeline):
    """Runs a promptable model over images. `run` streams ImageResults in input order;
    images without prompts are listed (with their size) but never encoded."""

    def __init__(self, model: PromptableModel, options: SegmentOptions | None = None,
                 pipeline: PipelineOptions | None = None) -> None:
        super().__init__(model, pipeline)
        self.segment_options = options or SegmentOptions()
        self.prompt_batch = self.segment_options.prompt_batch or default_prompt_batch(self.device)
        #: bytes of masks copied to the host before waiting to RLE-encode them; 0 on the CPU
        #: (each chunk at once: there is nothing to wait for, and memory stays as low as ever)
        self.host_mask_budget = int(HOST_MASK_BUDGET_MB * 2**20) if self.device.type == "cuda" else 0

    def segment(self, image: np.ndarray, prompts: list[Prompt]) -> list[Annotation]:
        """One in-memory RGB uint8 image → one annotation per prompt."""
        (result,) = self.run([Job(ImageRef(path=None, key="<array>"), prompts, image=image)])  # type: ignore[arg-type]
        if result.error:
            raise SamcliError(result.error)
        return result.annotations

    def prepare(self, loaded: Loaded, job: Job) -> bool:
        result, state = loaded.result, _Prompts()
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

    def process(self, items: list[Loaded], embeddings: torch.Tensor) -> None:
        times = StageTimes(self.device)
        with times.timed("decode"):
            chosen = self._decode_all(embeddings, items)
        with times.timed("postprocess"):
            self._finish_all(items, chosen)
        for item in items:
            item.result.stats["prompts"] = len(item.work.prompts)
            add_times(item.result.stats, times.as_dict(share=len(items)))

    def _decode_all(self, embeddings: torch.Tensor, items: list[Loaded]):
        """Decode every prompt of the batch; → per slot (low-res logits (P,h,w), scores (P,))."""
        refs = [PromptRef(slot, k, p) for slot, it in enumerate(items) for k, p in enumerate(it.work.prompts)]
        geoms = [it.geom for it in items]
        lows: list[list] = [[None] * len(it.work.prompts) for it in items]
        ious: list[list] = [[None] * len(it.work.prompts) for it in items]
        for group in group_by_shape(refs):
            for chunk in batched(group, self.prompt_batch):
                prompts = to_tensors(chunk, geoms).to(self.device)
                with autocast(self.device, self.dtype):
                    low, iou = self.model.decode(embeddings, prompts)
                pick = self.model.select(low, iou, prompts, self.segment_options.multimask)
                rows = torch.arange(len(chunk), device=low.device)
                low, iou = low[rows, pick].float(), iou[rows, pick].float()
                for j, ref in enumerate(chunk):
                    lows[ref.slot][ref.index] = low[j]
                    ious[ref.slot][ref.index] = iou[j]
        return [(torch.stack(l), torch.stack(s)) for l, s in zip(lows, ious)]

    def _finish_all(self, items: list[Loaded], chosen: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        """Every mask of the batch upscaled and thresholded on the device and copied to
        the host with the scores, RLE-encoded after one wait per `host_mask_budget`."""
        scores = to_host(torch.cat([s for _, s in chosen]))
        rles: list[list[dict]] = [[] for _ in items]
        pending: list[tuple[int, torch.Tensor]] = []

        def encode_pending() -> None:
            synchronize(self.device)
            for slot, masks in pending:
                rles[slot] += rle.encode(masks.numpy().transpose(0, 2, 1))  # (n, H, W) view, no copy
            pending.clear()

        for slot, item in enumerate(items):
            for masks in binary_masks(self.model, chosen[slot][0], item.geom):
                pending.append((slot, to_host(masks)))
                if sum(m.numel() for _, m in pending) >= self.host_mask_budget:
                    encode_pending()
        encode_pending()
        values, first = scores.tolist(), np.cumsum([0] + [len(s) for _, s in chosen])
        for slot, item in enumerate(items):
            self._annotate(item, rles[slot], values[first[slot]:first[slot + 1]])

    def _annotate(self, item: Loaded, rles: list[dict], scores: list[float]) -> None:
        prompts = item.work.prompts
        extras = []
        for k, prompt in enumerate(prompts):
            extra: dict = {"prompt_index": item.work.indices[k]}
            if prompt.box is not None:
                extra["prompt_box"] = [round(float(v), 2) for v in prompt.box]
            if prompt.points is not None:
                extra["point_coords"] = np.round(prompt.points, 2).tolist()
                extra["point_labels"] = [int(v) for v in prompt.labels]
            if prompt.score is not None:
                extra["detection_score"] = prompt.score
            extras.append(extra)
        categories = [p.category_id if p.category_id is not None else DEFAULT_CATEGORY_ID for p in prompts]
        item.result.annotations = to_annotations(rles, scores, extras, categories)

