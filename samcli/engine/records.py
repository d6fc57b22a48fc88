"""Results the engine hands to writers, whatever the command, and their JSON
form: the line a run's journal keeps per image, from which every output
format is written."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from samcli.ops import rle


@dataclass
class Annotation:
    """One mask. `rle` is COCO compressed RLE with `counts` as str; `bbox` is
    COCO xywh (pycocotools' `toBbox`: w, h are pixel extents)."""

    rle: dict[str, Any]
    bbox: list[float]
    area: int
    #: what COCO AP ranks by: the model's predicted IoU, or a detection prompt's score
    #: (segment's --score); `predicted_iou` is always in `extra` too
    score: float
    category_id: int = 1
    extra: dict[str, Any] = field(default_factory=dict)  # prompt_index, point_coords, stability_score, …

    def to_json(self) -> dict[str, Any]:
        """The annotation as every output format writes it, before ids are added."""
        return {"category_id": self.category_id, "segmentation": self.rle, "area": self.area,
                "bbox": [round(v, 2) for v in self.bbox], "iscrowd": 0, "score": round(self.score, 6),
                **self.extra}


def to_annotations(rles: list[dict], scores: list[float], extras: list[dict],
                   category_ids: list[int] | None = None) -> list[Annotation]:
    """One Annotation per RLE, with its COCO area and bbox."""
    boxes, areas = rle.bbox(rles), rle.area(rles)
    cats = category_ids or [1] * len(rles)
    return [Annotation(rle=r, bbox=boxes[i], area=areas[i], score=float(scores[i]), category_id=cats[i],
                       extra=extras[i]) for i, r in enumerate(rles)]


@dataclass
class ImageResult:
    """Everything produced for one input image (or why it failed)."""

    key: str  # the image's identity: its path relative to IMAGES, '/'-separated (COCO file_name)
    path: str  # where it was read from
    width: int = 0
    height: int = 0
    annotations: list[Annotation] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: prompts that could not be used (e.g. a box outside the image); the others ran
    prompt_errors: list[str] = field(default_factory=list)
    #: counters and `time_s` (seconds per stage: read, preprocess, encode, decode, postprocess)
    stats: dict[str, Any] = field(default_factory=dict)
    #: the decoded RGB image, attached only when the pipeline is asked to keep images
    image: np.ndarray | None = field(default=None, repr=False)
    #: per-pixel maps computed on the way and kept for writers (e.g. "saliency", "embedding")
    maps: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: where its kept embedding sits in the model's frames, and the file's sha256 (`embed`,
    #: --save-embeddings): the entry the embeddings manifest is written from
    embedding_info: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def fail(self, message: str) -> None:
        """This image failed: its record says why and keeps no masks (--resume does it again)."""
        self.error = message
        self.annotations = []

    def snapshot(self) -> dict[str, Any]:
        """What the model's stage may change (not the photo or maps), for `restore`."""
        return copy.deepcopy({k: v for k, v in vars(self).items() if k not in ("image", "maps")})

    def restore(self, state: dict[str, Any]) -> None:
        """Back to a `snapshot` (once per snapshot), e.g. before running the image again."""
        vars(self).update(state)

    @property
    def clean(self) -> bool:
        """Nothing went wrong at all: the image decoded and every prompt was used."""
        return self.error is None and not self.prompt_errors

    def to_json(self) -> dict[str, Any]:
        """Everything but the pictures, JSON-ready (a journal line)."""
        rec: dict[str, Any] = {"file": self.key, "path": self.path, "width": self.width, "height": self.height,
                               "annotations": [a.to_json() for a in self.annotations]}
        for name in ("error", "warnings", "prompt_errors", "stats"):
            if getattr(self, name):
                rec[name] = getattr(self, name)
        if self.embedding_info:
            rec["embedding"] = self.embedding_info
        return rec

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> "ImageResult":
        anns = []
        for a in rec.get("annotations", []):
            a = dict(a)
            core = {k: a.pop(k) for k in ("category_id", "segmentation", "area", "bbox", "score")}
            a.pop("iscrowd", None)
            anns.append(Annotation(core["segmentation"], core["bbox"], core["area"], core["score"],
                                   core["category_id"], a))
        return cls(rec["file"], rec.get("path", ""), rec.get("width", 0), rec.get("height", 0), anns,
                   rec.get("error"), list(rec.get("warnings", [])), list(rec.get("prompt_errors", [])),
                   dict(rec.get("stats", {})), embedding_info=rec.get("embedding"))
