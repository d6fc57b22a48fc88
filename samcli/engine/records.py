"""Results the engine hands to writers, whatever the command."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Annotation:
    """One mask. `rle` is COCO compressed RLE with `counts` as str; `bbox` is
    COCO xywh (pycocotools' `toBbox`: w, h are pixel extents)."""

    rle: dict[str, Any]
    bbox: list[float]
    area: int
    score: float  # the model's predicted IoU
    category_id: int = 1
    extra: dict[str, Any] = field(default_factory=dict)  # prompt_index, point_coords, stability_score, …


@dataclass
class ImageResult:
    """Everything produced for one input image (or why it failed)."""

    file: str  # as shown to the user / written as COCO file_name
    path: str
    width: int = 0
    height: int = 0
    annotations: list[Annotation] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: prompts that could not be used (e.g. a box outside the image); the others ran
    prompt_errors: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def clean(self) -> bool:
        """Nothing went wrong at all: the image decoded and every prompt was used."""
        return self.error is None and not self.prompt_errors
