"""The output formats. `coco`, `coco-results` and `jsonl` are written by
`writers.results`; the formats for labeling and training tools register
here: each is one function from image records (`writers.sources`) to files,
shared by a run and by `samcli convert`."""
from __future__ import annotations

import importlib
from typing import Callable

FORMATS = ("coco", "coco-results", "jsonl", "yolo-seg", "labelstudio")

#: format → the module whose write(source, target, names, info, export) writes it; imported when
#: used (YAML and XML support cost a run that writes COCO ~60 ms of start-up)
WRITERS = {"yolo-seg": "samcli.writers.yolo_seg", "labelstudio": "samcli.writers.labelstudio"}


def writer(fmt: str) -> Callable:
    return importlib.import_module(WRITERS[fmt]).write

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
        from samcli.writers.yolo_seg import check_label_paths

        check_label_paths(keys)
