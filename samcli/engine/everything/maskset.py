"""The kept masks of one generation, column by column, as compact RLE.

Only RLE and per-mask numbers are held, never pixel maps, so a large image's
masks cost kilobytes each.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class MaskSet:
    rles: list[dict] = field(default_factory=list)  # COCO compressed RLE, counts str, full image
    boxes: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 4), dtype=torch.long))  # inclusive xyxy, image px
    iou: torch.Tensor = field(default_factory=lambda: torch.zeros(0))  # predicted IoU (float32)
    stability: torch.Tensor = field(default_factory=lambda: torch.zeros(0))
    points: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 2), dtype=torch.float64))  # prompt x, y, image px
    crop_boxes: torch.Tensor = field(default_factory=lambda: torch.zeros((0, 4), dtype=torch.long))  # xyxy, exclusive ends
    rounds: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))  # hierarchical round, else 0

    def __len__(self) -> int:
        return len(self.rles)

    def take(self, index: torch.Tensor) -> "MaskSet":
        idx = torch.as_tensor(index, dtype=torch.long).reshape(-1)
        return MaskSet(
            rles=[self.rles[i] for i in idx.tolist()],
            boxes=self.boxes[idx], iou=self.iou[idx], stability=self.stability[idx],
            points=self.points[idx], crop_boxes=self.crop_boxes[idx], rounds=self.rounds[idx],
        )

    @staticmethod
    def cat(parts: list["MaskSet"]) -> "MaskSet":
        parts = [p for p in parts if len(p)]
        if not parts:
            return MaskSet()
        return MaskSet(
            rles=[r for p in parts for r in p.rles],
            boxes=torch.cat([p.boxes for p in parts]), iou=torch.cat([p.iou for p in parts]),
            stability=torch.cat([p.stability for p in parts]), points=torch.cat([p.points for p in parts]),
            crop_boxes=torch.cat([p.crop_boxes for p in parts]), rounds=torch.cat([p.rounds for p in parts]),
        )
