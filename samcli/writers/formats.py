"""The output formats. `coco`, `coco-results` and `jsonl` are written by
`writers.results`; the formats for labeling and training tools register
here: each is one function from image records (`writers.sources`) to files,
shared by a run and by `samcli convert`."""
from __future__ import annotations

from typing import Callable

from samcli.writers import labelstudio, yolo_seg

FORMATS = ("coco", "coco-results", "jsonl", "yolo-seg", "labelstudio")

#: format → write(source, target, names, info, export)
WRITERS: dict[str, Callable] = {"yolo-seg": yolo_seg.write, "labelstudio": labelstudio.write}

#: what `salient` writes into its output folder, per format
FILE_NAMES = {"coco": "annotations.json", "coco-results": "annotations.json", "jsonl": "annotations.jsonl",
              "yolo-seg": "labels", "labelstudio": "tasks.json"}

HELP = ("coco (dataset JSON) | coco-results (list for COCO.loadRes) | jsonl (a line per image, streamed) | "
        "yolo-seg (a folder of Ultralytics segmentation labels) | labelstudio (Label Studio tasks + labeling config)")


def needs_path(fmt: str) -> bool:
    """These write a folder, or two files: not to stdout."""
    return fmt in WRITERS


def writes_folder(fmt: str) -> bool:
    return fmt == "yolo-seg"


def check_images(fmt: str, keys: list[str]) -> None:
    """Refuse up front what the format cannot hold (InputError)."""
    if fmt == "yolo-seg":
        yolo_seg.check_label_paths(keys)
