"""`--format yolo-seg`: Ultralytics' segmentation labels. One `.txt` per image
at DIR/<image key with its extension replaced by .txt>, one line per
annotation, `class x1 y1 x2 y2 ...` (polygon vertices as fractions of the
image's width and height, 6 decimals); DIR/data.yaml names the classes.

Class indices: when the prompts were YOLO labels (the output's info has
`yolo_class_offset`: category k + 1 came from class k), class k stays k and
the names stay the user's; otherwise the categories are numbered 0..N-1 in
category-id order. Every file is written atomically; data.yaml last.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import yaml

from samcli.errors import InputError
from samcli.writers.atomic import open_output
from samcli.writers.export import ExportOptions
from samcli.writers.sources import ImageSource, categories_json

NAMES_FILE = "data.yaml"


def label_path(key: str) -> str:
    """'sub/a.jpg' → 'sub/a.txt' (as Ultralytics finds a label from its image's path)."""
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.name:
        raise InputError(f"image {key!r}: not a path inside the image folder, so it has no place in the labels folder")
    return str(path.with_suffix(".txt"))


def check_label_paths(keys: list[str]) -> None:
    """Two images that differ only by extension would share one label file."""
    seen: dict[str, str] = {}
    for key in keys:
        other = seen.setdefault(label_path(key), key)
        if other != key:
            raise InputError(f"images {other!r} and {key!r} would both be labelled {label_path(key)!r} "
                             "(YOLO labels drop the extension): rename one, or choose another --format")


def yolo_classes(categories: list[dict], info: dict) -> tuple[dict[int, int], dict[int, str]]:
    """category id → class index, and class index → name for data.yaml."""
    offset = info.get("yolo_class_offset")
    if not isinstance(offset, int):
        return ({c["id"]: k for k, c in enumerate(categories)}, {k: c["name"] for k, c in enumerate(categories)})
    index = {c["id"]: c["id"] - offset for c in categories}
    if any(k < 0 for k in index.values()):
        raise InputError(f"category ids {sorted(index)} do not come from YOLO classes (yolo_class_offset {offset})")
    # Ultralytics counts classes by names: a class no label used is named by its number, as the YOLO reader does
    names = {k: str(k) for k in range(max(index.values(), default=-1) + 1)}
    names.update({index[c["id"]]: c["name"] for c in categories})
    return index, names


def label_lines(rec: dict, classes: dict[int, int], export: ExportOptions) -> list[str]:
    w, h = rec["width"], rec["height"]
    lines = []
    for ann in rec["annotations"]:
        outline = export.polygon(ann)
        if not len(outline):  # nothing left (an empty mask, or every part under --min-area)
            continue
        xy = (outline / (w, h)).ravel()
        lines.append(" ".join([str(classes[ann["category_id"]]), *(f"{v:.6f}" for v in xy)]) + "\n")
    return lines


def write(source: ImageSource, target: str, names: dict[int, str], info: dict, export: ExportOptions) -> None:
    folder = Path(target)
    classes, class_names = yolo_classes(categories_json(source.used_categories(), names), info)
    for _, rec in source.images(ok_only=False):
        path = folder / label_path(rec["file"])
        if "error" in rec:  # a failed image has no labels, not even from an earlier run
            path.unlink(missing_ok=True)
            continue
        with open_output(path) as f:
            f.writelines(label_lines(rec, classes, export))
    with open_output(folder / NAMES_FILE) as f:
        yaml.safe_dump({"names": class_names}, f, allow_unicode=True, sort_keys=False)


def merge_folders(folders: list[Path], out: Path) -> tuple[int, int]:
    """The union of shard folders (the same names file in each, no label twice) →
    `out`. Returns (label files, label lines)."""
    names = {(f / NAMES_FILE).read_bytes() if (f / NAMES_FILE).is_file() else None for f in folders}
    if None in names:
        raise InputError("not a yolo-seg output (no data.yaml): " + ", ".join(
            str(f) for f in folders if not (f / NAMES_FILE).is_file()))
    if len(names) > 1:
        raise InputError("the shards name their classes differently (data.yaml): " + ", ".join(map(str, folders)))
    owner: dict[Path, Path] = {}
    for folder in folders:
        for label in sorted(folder.rglob("*.txt")):
            rel = label.relative_to(folder)
            if owner.setdefault(rel, folder) != folder:
                raise InputError(f"{rel} is in both {owner[rel]} and {folder}: overlapping shards")
    lines = 0
    for rel, folder in sorted(owner.items()):
        try:
            text = (folder / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{folder / rel}: not a readable label file ({exc})") from None
        with open_output(out / rel) as f:
            f.write(text)
        lines += text.count("\n")
    with open_output(out / NAMES_FILE) as f:
        f.write(names.pop().decode("utf-8"))
    return len(owner), lines
