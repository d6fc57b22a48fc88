"""Point protocol: simulated clicks (`clicks.next_click`), IoU after each.

EfficientViT-SAM's `run_point`, which its point tables (1, 3, 5 clicks) use:
- click 1 at the instance's deepest pixel; click k+1 at the deepest pixel of the
  error left by the mask after click k; all clicks so far are given each time;
- every decode asks for three candidates and keeps the best by predicted IoU,
  at every click (multimask "always");
- no mask prompt: the previous prediction is NOT fed back. `feedback=True` feeds
  the kept token's low-res logits back as the mask prompt from click 2 on, where
  the model `accepts_mask_input` (RITM's models and SAM's interactive training
  do so); it is an option, not what the papers' tables report.
All instances of the image advance together: one decoder batch (split by
`prompt_batch`) per click. An instance with nothing left to correct stops
clicking and keeps its mask and IoU (see `clicks`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from samcli.eval.clicks import Click, next_click
from samcli.eval.decoding import EncodedImage, check_points, check_size, decode_chosen, to_rles
from samcli.eval.ground_truth import GtImage, GtInstance
from samcli.eval.metrics import InstanceResult
from samcli.ops.rle import iou as mask_iou
from samcli.ops import rle as rles

#: EfficientViT-SAM's predict_mask_from_point: multimask_output=True, argmax of the predicted IoU
POINT_MULTIMASK = "always"
DEFAULT_CLICKS = (1, 3, 5)


@dataclass
class _Track:
    """One instance along the clicks."""

    gt: GtInstance
    truth: np.ndarray  # (H, W) bool
    pred: np.ndarray  # (H, W) bool, the latest prediction
    low: torch.Tensor | None = None  # its low-res logits, for feedback
    clicks: list[Click] = field(default_factory=list)
    ious: list[float] = field(default_factory=list)
    iou: float = 0.0
    done: bool = False


def point_results(image: EncodedImage, gt: GtImage, clicks: int = max(DEFAULT_CLICKS),
                  multimask: str = POINT_MULTIMASK, feedback: bool = False) -> list[InstanceResult]:
    """One image, `clicks` rounds → per instance its IoU after click 1, 2, …, `clicks`."""
    check_size(image, gt)
    check_points(image.model, clicks)
    feedback = feedback and image.model.accepts_mask_input
    tracks = []
    for inst in gt.instances:
        truth = inst.mask()
        tracks.append(_Track(inst, truth, np.zeros_like(truth)))
    for _ in range(clicks):
        active = [t for t in tracks if _click(t)]
        if active:
            _decode(image, multimask, feedback, active)
        for t in tracks:
            t.ious.append(t.iou)
    return [InstanceResult(gt.key, t.gt.ann_id, t.gt.category_id, t.gt.area, tuple(t.ious), tuple(t.clicks))
            for t in tracks]


def _click(track: _Track) -> bool:
    """Add the next click; False once there is nothing left to correct."""
    click = None if track.done else next_click(track.truth, track.pred, track.clicks)
    if click is None:
        track.done = True
        return False
    track.clicks.append(click)
    return True


def _decode(image: EncodedImage, multimask: str, feedback: bool, batch: list[_Track]) -> None:
    # instances still clicking have all had the same number of clicks: one decoder shape
    points = np.array([[(c.x, c.y) for c in t.clicks] for t in batch], dtype=np.float64)
    labels = np.array([[int(c.positive) for c in t.clicks] for t in batch], dtype=np.int64)
    masks = torch.stack([t.low for t in batch]) if feedback and batch[0].low is not None else None
    low, _ = decode_chosen(image, multimask, points=points, labels=labels, masks=masks)
    for t, pred, t_low in zip(batch, to_rles(image, low), low):
        t.pred, t.iou = rles.decode(pred), mask_iou(pred, t.gt.rle)
        t.low = t_low if feedback else None
