"""`samcli convert`: a `coco` output samcli wrote (or merged) → any output
format, without a model. The run and the conversion go through the same
function from image records to bytes (`results.render`), so converting
gives the bytes the run would have written in that format — except what a
`coco` file does not hold: failed images, prompt errors and warnings
(which only `jsonl` lists)."""
from __future__ import annotations

from pathlib import Path

from samcli.writers.export import ExportOptions
from samcli.writers.formats import check_images
from samcli.writers.results import render
from samcli.writers.sources import CocoImages


def convert(path: str | Path, fmt: str, out: str | Path, export: ExportOptions) -> tuple[int, int]:
    """→ (images, annotations) written. Raises InputError for an unusable input."""
    source = CocoImages(Path(path))
    records = [rec for _, rec in source.images()]
    check_images(fmt, [rec["file"] for rec in records])
    render(source, str(out), fmt, source.names, source.info, True, export)  # stats: as the file has them
    return len(records), sum(len(rec["annotations"]) for rec in records)
