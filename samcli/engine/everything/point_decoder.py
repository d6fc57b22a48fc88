"""Single-point prompts → filtered masks as RLE, with bounded memory.

This is the step SAM's automatic generator and TinySAM's hierarchical one
share: every point becomes its own positive-point prompt, all multimask
candidates are decoded, and a candidate survives when

1. predicted IoU > pred_iou_thresh (strict; skipped if the threshold ≤ 0),
2. stability ≥ stability_score_thresh (skipped if ≤ 0), on the logits
   upscaled to the crop's size,
3. its box does not touch a crop edge that is not an image edge.

The reference upscales a whole batch (points_per_batch × 3 full-resolution
float maps, gigabytes on a large photo). Here the IoU filter runs first on the
low-res outputs, and only survivors are upscaled, a few at a time within the
engine's upscale budget; each chunk is reduced to stability, box and RLE and
its float maps are dropped. Results are identical: every step is per mask.

A `Trace` optionally records every candidate's scores, for tests and diagnostics.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch

from samcli.engine.everything.maskset import MaskSet
from samcli.engine.everything.params import EverythingParams
from samcli.engine.masks import chunk_size
from samcli.engine.progress import PromptProgress
from samcli.engine.timing import StageTimes
from samcli.models.base import Geometry, PromptTensors
from samcli.ops import rle
from samcli.ops.boxes import mask_boxes, near_crop_edge
from samcli.ops.masks import stability_score
from samcli.ops.memory import release_free_heap


@dataclass
class Trace:
    """What a generation decided, candidate by candidate; `record_candidates`
    costs extra work: every decoded candidate is upscaled (not only those
    passing the IoU filter) so its stability is known."""

    #: upscale every candidate to record its stability (the costly part)
    record_candidates: bool = True
    #: per decoded candidate, in decoding order: (predicted_iou, stability_score)
    candidate_parts: list[np.ndarray] = field(default_factory=list)
    #: hierarchical: the normalised (x/W, y/H) grid fed to each round
    round_points_norm: list[np.ndarray] = field(default_factory=list)
    #: hierarchical: union of round-1 high-score masks, (H, W) bool
    covered: np.ndarray | None = None

    def add_candidates(self, iou: torch.Tensor, stability: torch.Tensor) -> None:
        pair = torch.stack([iou.float(), stability.float()], dim=1)
        self.candidate_parts.append(pair.cpu().numpy())

    @property
    def candidates(self) -> np.ndarray:
        if not self.candidate_parts:
            return np.zeros((0, 2), np.float32)
        return np.concatenate(self.candidate_parts)


@dataclass(frozen=True)
class CropFrame:
    """A crop of the image: `box` x0, y0, x1, y1 in image pixels (exclusive ends)."""

    box: tuple[int, int, int, int]
    image_hw: tuple[int, int]

    @property
    def hw(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.box
        return y1 - y0, x1 - x0

    @property
    def is_full(self) -> bool:
        return self.box == (0, 0, self.image_hw[1], self.image_hw[0])


@dataclass
class HighScoreCover:
    """Hierarchical round 1: OR of `logit > threshold` over kept masks, (H, W)."""

    threshold: float
    covered: torch.Tensor


def decode_points(model, embedding: torch.Tensor, crop: CropFrame, points_xy: np.ndarray, params: EverythingParams,
                  counts: Counter, times: StageTimes, cover: HighScoreCover | None = None,
                  trace: Trace | None = None, round_id: int = 0, progress: PromptProgress | None = None) -> MaskSet:
    """points_xy: (N, 2) float64 in crop pixels; embedding: the crop's (1, C, h, w).
    Adds to `counts`: prompts, and masks left after each filter; tells `progress`
    how many points there are and each batch decoded."""
    geom = model.geometry(crop.hw)
    progress = progress or PromptProgress()
    progress.plan(len(points_xy))
    parts = []
    for start in range(0, len(points_xy), params.points_per_batch):
        points = points_xy[start:start + params.points_per_batch]
        with times.timed("decode"):
            low, iou = _decode_candidates(model, embedding, geom, points)
        with times.timed("postprocess"):
            parts.append(_filter(model, low, iou, points, geom, crop, params, counts, cover, trace, round_id))
        counts["prompts"] += len(points)
        progress.decoded(len(points))
    return MaskSet.cat(parts)


def _decode_candidates(model, embedding: torch.Tensor, geom: Geometry, points: np.ndarray):
    """→ low-res logits (B·K, h, w) and IoU (B·K,), point-major, for the K candidate tokens."""
    device = embedding.device
    dtype = torch.float64 if model.float64_points else torch.float32
    coords = torch.from_numpy(geom.to_prompt_frame(points)).to(device, dtype)[:, None, :]
    b = coords.shape[0]
    prompts = PromptTensors(
        image_index=torch.zeros(b, dtype=torch.long, device=device),
        coords=coords, labels=torch.ones((b, 1), dtype=torch.long, device=device),
    )
    low, iou = model.decode(embedding, prompts)
    tokens = model.candidates
    # filter in float32 whatever precision the decoder ran in (the references are float32)
    return low[:, tokens].flatten(0, 1).float(), iou[:, tokens].flatten(0, 1).float()


def _filter(model, low: torch.Tensor, iou: torch.Tensor, points: np.ndarray, geom: Geometry, crop: CropFrame,
            params: EverythingParams, counts: Counter, cover: HighScoreCover | None, trace: Trace | None,
            round_id: int) -> MaskSet:
    per_point = low.shape[0] // len(points)
    image_points = torch.from_numpy(np.repeat(points, per_point, axis=0) + np.array([crop.box[:2]]))
    counts["decoded"] += int(iou.numel())

    keep_iou = iou > params.pred_iou_thresh if params.pred_iou_thresh > 0 else torch.ones_like(iou, dtype=torch.bool)
    counts["pred_iou"] += int(keep_iou.sum())
    # a trace wants every candidate's stability, so it upscales them all
    record = trace is not None and trace.record_candidates
    todo = torch.arange(iou.numel(), device=iou.device) if record else keep_iou.nonzero()[:, 0]
    if not len(todo):
        return MaskSet()

    parts = []
    for idx in todo.split(chunk_size(crop.hw, model.prompt_size)):
        logits = model.upscale(low[idx][None], geom)[0]  # (k, h, w) at crop size
        stability = stability_score(logits, params.stability_score_offset, model.binarize)
        if record:
            trace.add_candidates(iou[idx], stability)
        keep = keep_iou[idx]
        if params.stability_score_thresh > 0:
            keep = keep & (stability >= params.stability_score_thresh)
        counts["stability"] += int(keep.sum())
        if bool(keep.any()):
            if not bool(keep.all()):  # boolean indexing copies: only when it drops something
                idx, logits, stability = idx[keep], logits[keep], stability[keep]
            kept = _edge_filtered_masks(model, logits, crop, counts, cover)
            parts.append(MaskSet(
                rles=kept.rles, boxes=kept.boxes, iou=iou[idx][kept.index].cpu(),
                stability=stability[kept.index].cpu(), points=image_points[idx[kept.index].cpu()],
                crop_boxes=torch.tensor([crop.box] * len(kept.rles), dtype=torch.long).reshape(-1, 4),
                rounds=torch.full((len(kept.rles),), round_id, dtype=torch.long),
            ))
        del logits
        release_free_heap()
    return MaskSet.cat(parts)


@dataclass
class _KeptMasks:
    index: torch.Tensor  # positions kept, into the chunk
    rles: list[dict]
    boxes: torch.Tensor  # inclusive xyxy, image pixels, CPU


def _edge_filtered_masks(model, logits: torch.Tensor, crop: CropFrame, counts: Counter,
                         cover: HighScoreCover | None) -> _KeptMasks:
    """Logits that passed the score filters → the masks not cut by an inner
    crop edge, as image-frame boxes and RLE; marks the high-score cover."""
    x0, y0, x1, y1 = crop.box
    masks = model.binarize(logits)
    boxes = mask_boxes(masks) + torch.tensor([x0, y0, x0, y0], device=masks.device)
    inside = ~near_crop_edge(boxes, crop.box, (0, 0, crop.image_hw[1], crop.image_hw[0]))
    counts["crop_edge"] += int(inside.sum())
    index = inside.nonzero()[:, 0]
    if len(index) < len(inside):
        masks, boxes, logits = masks[index], boxes[index], logits[index]
    if cover is not None and len(index):
        cover.covered[y0:y1, x0:x1] |= (logits > cover.threshold).any(dim=0)
    rles = rle.encode(_uncrop(masks, crop)) if len(index) else []
    return _KeptMasks(index, rles, boxes.cpu())


def _uncrop(masks: torch.Tensor, crop: CropFrame) -> torch.Tensor:
    """Crop-sized masks → image-sized, zero outside the crop."""
    if crop.is_full:
        return masks
    x0, y0, x1, y1 = crop.box
    full = torch.zeros((masks.shape[0], *crop.image_hw), dtype=torch.bool, device=masks.device)
    full[:, y0:y1, x0:x1] = masks
    return full
