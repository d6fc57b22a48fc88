"""YOLO label files as box prompts: a folder of .txt, one object per line.

    <class> <cx> <cy> <w> <h> [<conf>]     fractions of the image width/height

Keys are label paths relative to the folder without ".txt" ("sub/img001"), matched
to image paths without extension. Class k becomes category_id k + 1 (COCO ids start
at 1; Ultralytics' own COCO-JSON export uses the same k + 1), named names[k] from a
data.yaml (`names` as list or {k: name}) or a names file (one per line); without
names, category k + 1 is named "k". A data.yaml or classes.txt inside the folder is
used when no names are given. Segmentation lines (<class> x1 y1 x2 y2 ... [<conf>])
become the bounding box of their polygon, with a warning.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from samcli.errors import InputError
from samcli.io.prompts.checks import PromptError, box_from_cxcywh, box_xyxy, finite, fractions, integer
from samcli.io.prompts.class_names import read_names
from samcli.io.prompts.collect import Collector
from samcli.io.prompts.reading import read_text
from samcli.io.prompts.types import Prompt
from samcli.words import plural

NAMES_IN_FOLDER = ("data.yaml", "classes.txt")


def load(col: Collector, path: Path, class_names: str | Path | None = None) -> None:
    folder = path if path.is_dir() else path.parent
    names_path = Path(class_names) if class_names is not None else _names_beside(folder)
    names = read_names(names_path) if names_path is not None else None
    if names is not None:
        col.declare({k + 1: name for k, name in names.items()})
    else:
        col.warn(f"{path}: no class names (give a data.yaml or names file); category k+1 is named after class index k")
    files = [path] if path.is_file() else _label_files(path)
    for file in files:
        key = file.relative_to(folder).with_suffix("").as_posix()
        _read_file(col, file, key, names, names_path)


def _names_beside(folder: Path) -> Path | None:
    return next((folder / n for n in NAMES_IN_FOLDER if (folder / n).is_file()), None)


def _label_files(folder: Path) -> list[Path]:
    # classes.txt (labelImg's names file) sits among the labels but is not one
    files = sorted(f for f in folder.rglob("*.txt") if f.is_file() and f != folder / "classes.txt")
    if not files:
        raise InputError(f"{folder}: no YOLO label files (*.txt) in this folder")
    return files


def _read_file(col: Collector, file: Path, key: str, names: dict[int, str] | None, names_path: Path | None) -> None:
    prompts = col.image(key)
    polygons: list[int] = []
    for lineno, line in enumerate(read_text(file).splitlines(), 1):
        tokens = line.split()
        if not tokens:
            continue
        where = f"{file}:{lineno}"
        with col.item(where):
            k, box, conf = _parse_line(tokens)
            if len(tokens) > 6:
                polygons.append(lineno)
            if not col.keeps(conf):
                continue
            if names is not None and k not in names:
                raise PromptError(f"class {k} is not in the {len(names)} class names of {names_path} (0 to {max(names)})")
            cid = col.category(k + 1, None if names is not None else str(k))
            prompts.append(Prompt(box=box, category_id=cid, score=conf, normalized=True, source=where))
    if polygons:
        col.warn(
            f"{file}:{polygons[0]}: {plural(len(polygons), 'segmentation (polygon) line')}; "
            "their bounding boxes are used as box prompts"
        )


def _parse_line(tokens: list[str]) -> tuple[int, np.ndarray, float | None]:
    """class, xyxy box in fractions, confidence (or None)."""
    values = []
    for t in tokens:
        try:
            values.append(float(t))
        except ValueError:
            raise PromptError(f"{t!r} is not a number") from None
    n = len(values)
    if n in (5, 6):
        k = integer(values[0], "class")
        box = box_from_cxcywh(fractions(finite(np.array(values[1:5]), "box"), "box"))
        return k, box, (_conf(values[5]) if n == 6 else None)
    if n >= 7:
        # a polygon has ≥ 3 x,y pairs after the class: odd count, or even with a trailing conf
        coords = values[1:] if n % 2 == 1 else values[1:-1]
        xy = fractions(finite(np.array(coords).reshape(-1, 2), "polygon"), "polygon")
        box = box_xyxy(np.concatenate([xy.min(axis=0), xy.max(axis=0)]), "polygon's bounding box")
        return integer(values[0], "class"), box, (None if n % 2 == 1 else _conf(values[-1]))
    raise PromptError(f"expected 5 or 6 numbers (class cx cy w h [conf]), got {n}")


def _conf(value: float) -> float:
    return float(finite(np.array([value]), "conf")[0])
