"""Mask IoU, COCO size buckets, and the mIoU tables of the box and point protocols.

IoUs are fractions (0..1); the papers print them ×100.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from samcli.eval.clicks import Click
from samcli.eval.ground_truth import CocoId

#: COCOeval's area ranges (pixels, on the annotation's `area`). COCOeval ignores a
#: ground truth when area < low or area > high, so both ends are inclusive and an
#: area of exactly 32² or 96² counts in two buckets; EfficientViT-SAM's mIoU
#: buckets (get_iou_metric) do the same, and so do we.
SIZE_RANGES: dict[str, tuple[float, float]] = {
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, float("inf")),
}


@dataclass(frozen=True)
class InstanceResult:
    """One ground-truth instance under one protocol."""

    key: str  # image
    ann_id: CocoId
    category_id: int
    area: float  # the annotation's, for the size buckets
    #: box: (IoU,); point: IoU after click 1, 2, …, K
    ious: tuple[float, ...]
    clicks: tuple[Click, ...] = ()  # point protocol: where they went

    def to_json(self) -> dict:
        """As a run's journal keeps it (the image key is the record's)."""
        out = {"id": self.ann_id, "category_id": self.category_id, "area": self.area, "iou": list(self.ious)}
        if self.clicks:
            out["clicks"] = [[c.x, c.y, int(c.positive)] for c in self.clicks]
        return out

    @classmethod
    def from_json(cls, key: str, rec: dict) -> "InstanceResult":
        clicks = tuple(Click(x, y, bool(positive)) for x, y, positive in rec.get("clicks", ()))
        return cls(key, rec["id"], rec["category_id"], rec["area"], tuple(rec["iou"]), clicks)


def size_buckets(area: float) -> list[str]:
    return [name for name, (low, high) in SIZE_RANGES.items() if low <= area <= high]


def miou_table(results: Sequence[InstanceResult], column: int = 0) -> dict[str, dict]:
    """{"all" | "small" | "medium" | "large": {"mIoU": mean or None, "count": n}} of
    `ious[column]`; None where a bucket has no instance."""
    table = {"all": _mean(r.ious[column] for r in results)}
    for name in SIZE_RANGES:
        table[name] = _mean(r.ious[column] for r in results if name in size_buckets(r.area))
    return table


def click_table(results: Sequence[InstanceResult], clicks: Iterable[int]) -> dict[str, dict]:
    """{"<k>": miou_table after k clicks} for each requested click count."""
    return {str(k): miou_table(results, k - 1) for k in clicks}


def _mean(values: Iterable[float]) -> dict:
    values = list(values)
    return {"mIoU": sum(values) / len(values) if values else None, "count": len(values)}
