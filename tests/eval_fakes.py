"""Stand-ins for `samcli eval` tests: ground truth built from arrays, and an
oracle model that answers every prompt with a ground-truth mask.

The oracle follows the model contract (letterboxed 1024 prompt frame, 256×256
low-res logits, four tokens) but its low-res "logits" only carry the number of
the instance it recognised; `upscale` turns that number back into the exact
full-resolution mask, optionally shifted by a known number of pixels. So any
IoU short of 1.0 comes from the protocol code, or from the shift.
"""
from __future__ import annotations

import numpy as np
import torch

from samcli.eval.ground_truth import GtImage, GtInstance
from samcli.models.base import Geometry, PromptTensors
from samcli.ops import rle
from tests.fake_models import DiscModel

#: token 1 has the best predicted IoU, so `always` and a lone point's `auto` pick it
TOKEN_IOUS = (0.5, 0.9, 0.8, 0.7)
NOTHING = -1.0  # the instance number of an empty mask


def gt_image(masks: list[np.ndarray], key: str = "a.jpg", image_id: int = 1, first_ann_id: int = 1,
             category_id: int = 1) -> GtImage:
    """A ground-truth image whose instances are these (H, W) bool masks, boxes and
    areas taken from the masks."""
    h, w = masks[0].shape
    image = GtImage(image_id=image_id, key=key, height=h, width=w)
    for k, mask in enumerate(masks):
        ys, xs = np.nonzero(mask)
        box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=np.float64)
        image.instances.append(GtInstance(first_ann_id + k, category_id, rle.encode(mask[None])[0], box,
                                          float(mask.sum())))
    return image


def rect(hw: tuple[int, int], rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """Bool mask with rows[0]..rows[1] × cols[0]..cols[1] set (inclusive)."""
    mask = np.zeros(hw, dtype=bool)
    mask[rows[0] : rows[1] + 1, cols[0] : cols[1] + 1] = True
    return mask


class OracleModel(DiscModel):
    """Recognises the instance a prompt is for and returns its mask, shifted by `shift`
    = (dx, dy) pixels. Box: the target with the nearest box. Points: the smallest
    target containing the first point. `token0_empty`: token 0 (the single-mask
    output) is an empty mask, so the multimask choice shows in the IoU. The disc
    model lends it its letterboxed frame and do-nothing encoder."""

    def __init__(self, masks: list[np.ndarray], shift: tuple[int, int] = (0, 0), accepts_mask_input: bool = False,
                 token0_empty: bool = False) -> None:
        super().__init__()
        self.masks = [np.asarray(m, dtype=bool) for m in masks]
        self.boxes = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                               for ys, xs in (np.nonzero(m) for m in self.masks)], dtype=np.float64)
        self.shift = shift
        self.accepts_mask_input = accepts_mask_input
        self.token0_empty = token0_empty
        self.geom = self.geometry(self.masks[0].shape)
        self.calls: list[PromptTensors] = []  # every decode's prompts, for the tests to inspect

    def embeddings(self) -> torch.Tensor:
        return self.encode(torch.zeros(1))

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors):
        self.calls.append(prompts)
        sx, sy = self.geom.scale_xy()
        scale = np.array([sx, sy, sx, sy])
        targets = []
        for b in range(len(prompts)):
            if prompts.boxes is not None:
                box = prompts.boxes[b].double().numpy() / scale
                targets.append(int(np.abs(self.boxes - box).max(axis=1).argmin()))
            else:
                x, y = (prompts.coords[b, 0].double().numpy() / scale[:2]).round().astype(int)
                inside = [k for k, m in enumerate(self.masks) if m[y, x]]
                targets.append(min(inside, key=lambda k: self.masks[k].sum()) if inside else NOTHING)
        number = torch.tensor(targets, dtype=torch.float32)[:, None, None, None].expand(-1, 4, 256, 256).clone()
        if self.token0_empty:
            number[:, 0] = NOTHING
        return number, torch.tensor(TOKEN_IOUS).expand(len(prompts), 4)

    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        out = torch.full((*low_res.shape[:2], *geom.original_hw), -1.0)
        for b in range(low_res.shape[0]):
            for k in range(low_res.shape[1]):
                target = int(low_res[b, k, 0, 0])
                if target != NOTHING:
                    out[b, k][torch.from_numpy(self.shifted(target))] = 1.0
        return out

    def shifted(self, target: int) -> np.ndarray:
        """Target mask moved by (dx, dy), what falls off the image lost."""
        dx, dy = self.shift
        mask, out = self.masks[target], np.zeros_like(self.masks[target])
        h, w = mask.shape
        out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = \
            mask[max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
        return out
