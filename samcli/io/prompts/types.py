"""What prompt parsers produce, whatever the input format."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Prompt:
    """One prompt for one image → one output mask.

    Coordinates are x right, y down. If `normalized`, they are fractions of the
    image width/height (YOLO, GroundingDINO) and become pixels only once the
    image's size is known (`samcli.io.prompts.resolve`); otherwise they are
    pixels of the image as stored on disk after EXIF orientation is applied.
    """

    points: np.ndarray | None = None  # (N, 2) float64
    labels: np.ndarray | None = None  # (N,) int64: 1 foreground, 0 background
    box: np.ndarray | None = None  # (4,) float64 x0, y0, x1, y1
    category_id: int | None = None
    score: float | None = None  # detector confidence, carried to the output
    normalized: bool = False
    source: str = ""  # where it came from, for messages: "boxes.json: images[0].prompts[2]"
    #: position in its image's prompt list in the file, kept even when earlier
    #: items were unusable (→ `prompt_index` in the output); None: its list position
    index: int | None = None


@dataclass(frozen=True)
class CocoImageIds:
    """A COCO dataset's image ids, when a prompt file names its images by them (a
    dataset's ground truth, or a results list read with `coco_images`): the run's
    outputs then number images as the dataset does (`samcli.io.image_ids`)."""

    by_key: dict[str, int]  # file_name (as an image key) → the dataset's image id
    largest: int  # the dataset's largest image id; images not in it are numbered above
    source: str  # the dataset file, for messages


@dataclass
class PromptFile:
    """A parsed prompt file: prompts per image key, plus categories.

    Image keys are paths relative to the IMAGES root, with forward slashes
    (YOLO keys are label-file stems; see `match_image`).
    """

    path: str
    format: str
    images: dict[str, list[Prompt]] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)  # id → name
    warnings: list[str] = field(default_factory=list)
    #: items that could not be used (NaN box, bad shape, …), each naming file and item;
    #: the rest of the file is still usable and the run exits non-zero at the end
    errors: list[str] = field(default_factory=list)
    #: the COCO dataset's image ids, when the file names images by COCO id; None otherwise
    coco_ids: CocoImageIds | None = None
